import { describe, expect, it } from 'vitest';
import { blasNote } from '../../bench/vae-elbo';

describe("the bench's note on PyTorch's BLAS", () => {
  it("warns where torch multiplies through netlib's reference BLAS, and names the package that fixes it", () => {
    const note = blasNote('/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0');
    expect(note).toContain('reference BLAS');
    expect(note).toContain('libopenblas0-pthread');
  });

  it('only names the library where it is OpenBLAS (or any other), and says when it is unknown', () => {
    expect(blasNote('/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3')).toBe(
      "  PyTorch's BLAS: /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3",
    );
    expect(blasNote(null)).toContain('unknown');
  });
});
