import type { ArtifactInfo } from '../../shared/api';
import { nowIso, type Db } from './db';
import { stmt } from './statements';

export interface NewArtifact {
  kind: string;
  epoch: number;
  step: number;
  caption: string;
  mime: string;
  width: number;
  height: number;
  data: Uint8Array;
}

const infoColumns = 'id, run_id AS runId, kind, epoch, step, caption, mime, width, height, length(data) AS sizeBytes';

export function insertArtifact(db: Db, runId: number, a: NewArtifact): ArtifactInfo {
  const info = stmt(
    db,
    `INSERT INTO artifacts (run_id, kind, epoch, step, caption, mime, width, height, data, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(runId, a.kind, a.epoch, a.step, a.caption, a.mime, a.width, a.height, Buffer.from(a.data), nowIso());
  return {
    id: Number(info.lastInsertRowid),
    runId,
    kind: a.kind,
    epoch: a.epoch,
    step: a.step,
    caption: a.caption,
    mime: a.mime,
    width: a.width,
    height: a.height,
    sizeBytes: a.data.byteLength,
  };
}

export function listArtifacts(db: Db, runId: number): ArtifactInfo[] {
  return stmt<[number], ArtifactInfo>(db, `SELECT ${infoColumns} FROM artifacts WHERE run_id = ? ORDER BY kind, epoch, id`).all(
    runId,
  );
}

export function readArtifact(db: Db, artifactId: number): { mime: string; data: Buffer } | undefined {
  return stmt<[number], { mime: string; data: Buffer }>(db, 'SELECT mime, data FROM artifacts WHERE id = ?').get(artifactId);
}

/** The images of many runs without their bytes, in one query. */
export function indexArtifacts(db: Db, runIds: readonly number[], kind?: string): ArtifactInfo[] {
  return stmt<[string, string | null, string | null], ArtifactInfo>(
    db,
    `SELECT ${infoColumns} FROM artifacts WHERE run_id IN (SELECT value FROM json_each(?)) AND (? IS NULL OR kind = ?)
     ORDER BY run_id, kind, epoch`,
  ).all(JSON.stringify(runIds), kind ?? null, kind ?? null);
}

export function artifactKinds(
  db: Db,
  runIds: readonly number[],
): { kind: string; mime: string; runs: number; epochs: number[] }[] {
  return stmt<[string], { kind: string; mime: string; runs: number; epochs: string }>(
    db,
    `SELECT kind, min(mime) AS mime, count(DISTINCT run_id) AS runs, json_group_array(DISTINCT epoch) AS epochs
     FROM artifacts WHERE run_id IN (SELECT value FROM json_each(?)) GROUP BY kind
     ORDER BY runs DESC, kind = 'reconstructions' DESC, kind`,
  )
    .all(JSON.stringify(runIds))
    .map((r) => ({ ...r, epochs: (JSON.parse(r.epochs) as number[]).sort((a, b) => a - b) }));
}
