/** One entry per schema version, applied in order inside one transaction (PRAGMA user_version). */
export const migrations: readonly string[] = [
  `
  CREATE TABLE experiments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    family TEXT NOT NULL,
    config_json TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued','running','completed','failed','cancelled','interrupted')),
    seed INTEGER NOT NULL,
    epochs INTEGER NOT NULL,
    backend TEXT,
    backend_reason TEXT,
    environment_json TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    heartbeat_at TEXT,
    error TEXT
  ) STRICT;
  CREATE INDEX runs_status ON runs(status);

  CREATE TABLE metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    split TEXT NOT NULL,
    name TEXT NOT NULL,
    step INTEGER NOT NULL,
    epoch REAL NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (run_id, split, name, step)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE latest_metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    split TEXT NOT NULL,
    name TEXT NOT NULL,
    step INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (run_id, split, name)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE checkpoints (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    step INTEGER NOT NULL,
    path TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE INDEX checkpoints_run ON checkpoints(run_id);

  CREATE TABLE artifacts (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    step INTEGER NOT NULL,
    caption TEXT NOT NULL,
    mime TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    data BLOB NOT NULL,
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE INDEX artifacts_run ON artifacts(run_id, kind, epoch);
  `,
  // 2: training-health warnings (e.g. posterior collapse) kept with the run, as a JSON array.
  `ALTER TABLE runs ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';`,
  // 3: which studio process supervises an active run, so a restart knows at once which runs lost theirs.
  `ALTER TABLE runs ADD COLUMN supervisor_host TEXT;
   ALTER TABLE runs ADD COLUMN supervisor_pid INTEGER;`,
  // 4: studio settings kept with the experiments (the scheduler's concurrency limit).
  `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;`,
  // 5: resumable runs: each interruption on record, and the checkpoint the next worker continues from.
  `ALTER TABLE runs ADD COLUMN interruptions TEXT NOT NULL DEFAULT '[]';
   ALTER TABLE runs ADD COLUMN resume_from TEXT;`,
  // 6: sweeps: a spec that made many runs of one experiment, cancelled or resumed as a whole.
  `CREATE TABLE sweeps (
     id INTEGER PRIMARY KEY,
     experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
     name TEXT NOT NULL UNIQUE,
     method TEXT NOT NULL,
     spec_json TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('active','cancelled')),
     created_at TEXT NOT NULL
   ) STRICT;
   ALTER TABLE runs ADD COLUMN sweep_id INTEGER REFERENCES sweeps(id) ON DELETE SET NULL;
   ALTER TABLE runs ADD COLUMN sweep_params TEXT;
   CREATE INDEX runs_sweep ON runs(sweep_id);
   CREATE INDEX runs_experiment ON runs(experiment_id);`,
  // 7: evaluations of a run's latent space (clustering, probes, disentanglement, likelihood) at one checkpoint.
  `CREATE TABLE evaluations (
     id INTEGER PRIMARY KEY,
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     what TEXT NOT NULL,
     settings_json TEXT NOT NULL,
     seed INTEGER NOT NULL,
     checkpoint_epoch INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('queued','running','completed','failed')),
     results_json TEXT,
     error TEXT,
     supervisor_host TEXT,
     supervisor_pid INTEGER,
     created_at TEXT NOT NULL,
     ended_at TEXT
   ) STRICT;
   CREATE INDEX evaluations_run ON evaluations(run_id, id);`,
  // 8: the raw-pixel baselines of evaluations, which depend on the data and the seed, not on a model: computed once.
  `CREATE TABLE evaluation_baselines (
     key TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     results_json TEXT NOT NULL,
     created_at TEXT NOT NULL
   ) STRICT;`,
  // 9: sweeps sent to a Slurm cluster as one job array; their runs train there, followed through a shared folder.
  `ALTER TABLE sweeps ADD COLUMN slurm_json TEXT;
   ALTER TABLE runs ADD COLUMN executor TEXT NOT NULL DEFAULT 'local' CHECK (executor IN ('local','slurm'));
   ALTER TABLE runs ADD COLUMN slurm_json TEXT;`,
  // 10: learned priors of VQ-VAE runs (a PixelCNN over the code grids): the job, its figures and its checkpoint file.
  // Their per-epoch NLL is in metrics under split 'prior' (the split column has no constraint).
  `CREATE TABLE priors (
     id INTEGER PRIMARY KEY,
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     status TEXT NOT NULL CHECK (status IN ('queued','running','completed','failed')),
     epochs INTEGER NOT NULL,
     seed INTEGER NOT NULL,
     checkpoint_epoch INTEGER NOT NULL,
     checkpoint_json TEXT NOT NULL,
     settings_json TEXT NOT NULL,
     results_json TEXT,
     path TEXT,
     sha256 TEXT,
     size_bytes INTEGER,
     error TEXT,
     supervisor_host TEXT,
     supervisor_pid INTEGER,
     created_at TEXT NOT NULL,
     ended_at TEXT
   ) STRICT;
   CREATE INDEX priors_run ON priors(run_id, id);`,
  // 11: one table of jobs besides training: evaluations and learned priors, queued under the scheduler's limit with
  // their supervisor and heartbeat (a restarted studio re-queues those of a studio that is gone). Evaluations keep
  // their ids; priors follow them. What a job needs to start again is its request; its figures are its result.
  `CREATE TABLE jobs (
     id INTEGER PRIMARY KEY,
     kind TEXT NOT NULL CHECK (kind IN ('evaluate','prior')),
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     state TEXT NOT NULL CHECK (state IN ('queued','running','completed','failed','cancelled')),
     request_json TEXT NOT NULL,
     progress_json TEXT,
     result_json TEXT,
     error TEXT,
     restarts INTEGER NOT NULL DEFAULT 0,
     supervisor_host TEXT,
     supervisor_pid INTEGER,
     heartbeat_at TEXT,
     created_at TEXT NOT NULL,
     started_at TEXT,
     ended_at TEXT
   ) STRICT;
   CREATE INDEX jobs_run ON jobs(run_id, kind, id);
   CREATE INDEX jobs_state ON jobs(state);
   INSERT INTO jobs (id, kind, run_id, state, request_json, result_json, error, supervisor_host, supervisor_pid,
                     heartbeat_at, created_at, ended_at)
     SELECT id, 'evaluate', run_id, status,
            json_object('what', json(what), 'seed', seed, 'epoch', checkpoint_epoch, 'settings', json(settings_json)),
            CASE WHEN results_json IS NULL THEN NULL
                 ELSE json_object('figures', json(json_extract(results_json, '$.figures')),
                                  'details', json(json_extract(results_json, '$.details')), 'settings', json(settings_json)) END,
            error, supervisor_host, supervisor_pid, NULL, created_at, ended_at
     FROM evaluations ORDER BY id;
   INSERT INTO jobs (kind, run_id, state, request_json, progress_json, result_json, error, supervisor_host, supervisor_pid,
                     heartbeat_at, created_at, ended_at)
     SELECT 'prior', run_id, status,
            json_object('epochs', epochs, 'seed', seed, 'checkpoint', json(checkpoint_json), 'settings', json(settings_json)),
            CASE WHEN status = 'running' AND results_json IS NOT NULL
                 THEN json_object('curve', json(json_extract(results_json, '$.curve'))) END,
            CASE WHEN status = 'completed' AND results_json IS NOT NULL
                 THEN json_object('figures', json(json_extract(results_json, '$.figures')),
                                  'curve', json(json_extract(results_json, '$.curve')), 'settings', json(settings_json),
                                  'file', json_object('path', path, 'sha256', sha256, 'sizeBytes', size_bytes)) END,
            error, supervisor_host, supervisor_pid, NULL, created_at, ended_at
     FROM priors ORDER BY id;
   DROP TABLE evaluations;
   DROP TABLE priors;`,
  // 12: how early stopping ended a run (the epoch it stopped after, its best epoch and value), null otherwise.
  `ALTER TABLE runs ADD COLUMN stopped_early_json TEXT;`,
  // 13: the researcher's labels on runs and sweeps: tags (a JSON list), notes and a star.
  `ALTER TABLE runs ADD COLUMN tags_json TEXT NOT NULL DEFAULT '[]';
   ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
   ALTER TABLE runs ADD COLUMN starred INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE sweeps ADD COLUMN tags_json TEXT NOT NULL DEFAULT '[]';
   ALTER TABLE sweeps ADD COLUMN notes TEXT NOT NULL DEFAULT '';
   ALTER TABLE sweeps ADD COLUMN starred INTEGER NOT NULL DEFAULT 0;`,
  // 14: adaptive sweeps. A run Hyperband stopped at a rung ends as 'stopped' (SQLite changes a CHECK only by
  // rebuilding the table: the 12 steps of https://sqlite.org/lang_altertable.html, with foreign keys off around
  // the migration, see migrate()). Each run's rungs are on record: its metric there, the decision and its cutoff.
  `CREATE TABLE runs_new (
    id INTEGER PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    family TEXT NOT NULL,
    config_json TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued','running','completed','failed','cancelled','interrupted','stopped')),
    seed INTEGER NOT NULL,
    epochs INTEGER NOT NULL,
    backend TEXT,
    backend_reason TEXT,
    environment_json TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    heartbeat_at TEXT,
    error TEXT,
    warnings TEXT NOT NULL DEFAULT '[]',
    supervisor_host TEXT,
    supervisor_pid INTEGER,
    interruptions TEXT NOT NULL DEFAULT '[]',
    resume_from TEXT,
    sweep_id INTEGER REFERENCES sweeps(id) ON DELETE SET NULL,
    sweep_params TEXT,
    executor TEXT NOT NULL DEFAULT 'local' CHECK (executor IN ('local','slurm')),
    slurm_json TEXT,
    stopped_early_json TEXT,
    tags_json TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '',
    starred INTEGER NOT NULL DEFAULT 0
   ) STRICT;
   INSERT INTO runs_new SELECT * FROM runs;
   DROP TABLE runs;
   ALTER TABLE runs_new RENAME TO runs;
   CREATE INDEX runs_status ON runs(status);
   CREATE INDEX runs_sweep ON runs(sweep_id);
   CREATE INDEX runs_experiment ON runs(experiment_id);
   CREATE TABLE sweep_rungs (
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
     rung INTEGER NOT NULL,
     epoch INTEGER NOT NULL,
     value REAL NOT NULL,
     decision TEXT NOT NULL CHECK (decision IN ('continue','stopped')),
     cutoff REAL,
     peers INTEGER NOT NULL,
     created_at TEXT NOT NULL,
     PRIMARY KEY (run_id, rung)
   ) STRICT;
   CREATE INDEX sweep_rungs_sweep ON sweep_rungs(sweep_id, rung);`,
  // 15: training is a job too. Each start of a run (its first, a resume, an extension) is a job of kind 'train' that
  // holds where it trains (this machine or a Slurm cluster), the checkpoint it continues from, its supervisor and its
  // heartbeat; those columns leave the runs table, which keeps the research record. Runs queued or running get the job
  // their attempt would have had. (The jobs table is rebuilt for its CHECK, as in 14.) A job moved to the front of
  // the queue has a higher priority; the queue is by priority, then first asked first. A run has at most one training
  // job not over.
  `CREATE TABLE jobs_new (
     id INTEGER PRIMARY KEY,
     kind TEXT NOT NULL CHECK (kind IN ('train','evaluate','prior')),
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     state TEXT NOT NULL CHECK (state IN ('queued','running','completed','failed','cancelled')),
     request_json TEXT NOT NULL,
     progress_json TEXT,
     result_json TEXT,
     error TEXT,
     restarts INTEGER NOT NULL DEFAULT 0,
     supervisor_host TEXT,
     supervisor_pid INTEGER,
     heartbeat_at TEXT,
     created_at TEXT NOT NULL,
     started_at TEXT,
     ended_at TEXT,
     executor TEXT NOT NULL DEFAULT 'local' CHECK (executor IN ('local','slurm')),
     priority INTEGER NOT NULL DEFAULT 0
   ) STRICT;
   INSERT INTO jobs_new (id, kind, run_id, state, request_json, progress_json, result_json, error, restarts,
                         supervisor_host, supervisor_pid, heartbeat_at, created_at, started_at, ended_at)
     SELECT id, kind, run_id, state, request_json, progress_json, result_json, error, restarts,
            supervisor_host, supervisor_pid, heartbeat_at, created_at, started_at, ended_at FROM jobs;
   DROP TABLE jobs;
   ALTER TABLE jobs_new RENAME TO jobs;
   CREATE INDEX jobs_run ON jobs(run_id, kind, id);
   CREATE INDEX jobs_state ON jobs(state);
   CREATE UNIQUE INDEX jobs_open_training ON jobs(run_id) WHERE kind = 'train' AND state IN ('queued','running');
   INSERT INTO jobs (kind, run_id, state, request_json, executor, supervisor_host, supervisor_pid, heartbeat_at,
                     created_at, started_at)
     SELECT 'train', id, status, json_object('resumeFrom', json(resume_from)), executor, supervisor_host, supervisor_pid,
            heartbeat_at, created_at, CASE WHEN status = 'running' THEN started_at END
     FROM runs WHERE status IN ('queued','running') ORDER BY id;
   ALTER TABLE runs DROP COLUMN supervisor_host;
   ALTER TABLE runs DROP COLUMN supervisor_pid;
   ALTER TABLE runs DROP COLUMN heartbeat_at;
   ALTER TABLE runs DROP COLUMN resume_from;`,
  // 16: W&B's names for log ranges. A stored `log_uniform` took its bounds as values, which W&B calls
  // `log_uniform_values`; `log_uniform` now means W&B's (the bounds are natural logs).
  `UPDATE sweeps SET spec_json = replace(spec_json, '"distribution":"log_uniform"', '"distribution":"log_uniform_values"');`,
  // 17: an image's id is never used again: the host serves /artifact/<id> as immutable, so a browser kept showing a
  // deleted run's images under the ids SQLite gave the next run's (the largest rowid is reused after a delete).
  `CREATE TABLE artifacts_new (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     kind TEXT NOT NULL,
     epoch INTEGER NOT NULL,
     step INTEGER NOT NULL,
     caption TEXT NOT NULL,
     mime TEXT NOT NULL,
     width INTEGER NOT NULL,
     height INTEGER NOT NULL,
     data BLOB NOT NULL,
     created_at TEXT NOT NULL
   ) STRICT;
   INSERT INTO artifacts_new SELECT id, run_id, kind, epoch, step, caption, mime, width, height, data, created_at FROM artifacts;
   DROP TABLE artifacts;
   ALTER TABLE artifacts_new RENAME TO artifacts;
   CREATE INDEX artifacts_run ON artifacts(run_id, kind, epoch);`,
  // 18: a sweep's runs numbered for good. A bayes sweep drew proposal i from stream i, and a Slurm sweep wrote task i's
  // folder, by the run's place in the list: a deleted run made the next proposal repeat an existing one's stream and
  // take another task's folder. Runs so far keep their places; `next_index` only grows.
  // A run sent to Slurm keeps its task's number (its folder, task-<n>); the next is past every number taken.
  `ALTER TABLE runs ADD COLUMN sweep_index INTEGER;
   UPDATE runs SET sweep_index = coalesce(
       json_extract(slurm_json, '$.taskId'),
       (SELECT count(*) FROM runs r WHERE r.sweep_id = runs.sweep_id AND r.id < runs.id))
     WHERE sweep_id IS NOT NULL;
   ALTER TABLE sweeps ADD COLUMN next_index INTEGER NOT NULL DEFAULT 0;
   UPDATE sweeps SET next_index = max(
       (SELECT count(*) FROM runs r WHERE r.sweep_id = sweeps.id),
       coalesce((SELECT max(sweep_index) + 1 FROM runs r WHERE r.sweep_id = sweeps.id), 0));`,
  // 19: one tag in any case. A tag is now stored as the studio already spells it (labels.ts), but an older studio
  // kept `Baseline` and `baseline` as two tags, listed, counted and exported apart. Each takes its first spelling (runs
  // before sweeps, by id, as labels.ts reads them), and a record that had both keeps one, where the first stood.
  `CREATE TEMP TABLE tag_spelling AS
     WITH tags AS (
       SELECT 'runs' AS kind, r.id AS owner, CAST(t.key AS INTEGER) AS pos, t.value AS tag
         FROM runs r, json_each(r.tags_json) t
       UNION ALL
       SELECT 'sweeps', s.id, CAST(t.key AS INTEGER), t.value FROM sweeps s, json_each(s.tags_json) t)
     SELECT DISTINCT tag, first_value(tag) OVER (PARTITION BY fold_case(tag) ORDER BY kind, owner, pos) AS spelling FROM tags;
   UPDATE runs SET tags_json = (
       SELECT json_group_array(spelling ORDER BY pos) FROM (
         SELECT s.spelling, min(CAST(t.key AS INTEGER)) AS pos FROM json_each(runs.tags_json) t
           JOIN tag_spelling s ON s.tag = t.value GROUP BY s.spelling))
     WHERE tags_json <> '[]';
   UPDATE sweeps SET tags_json = (
       SELECT json_group_array(spelling ORDER BY pos) FROM (
         SELECT s.spelling, min(CAST(t.key AS INTEGER)) AS pos FROM json_each(sweeps.tags_json) t
           JOIN tag_spelling s ON s.tag = t.value GROUP BY s.spelling))
     WHERE tags_json <> '[]';
   DROP TABLE tag_spelling;`,
];
