import type { ArtifactStore } from '../domain/deps.ts';

export class MemoryArtifacts implements ArtifactStore {
  readonly files = new Map<string, Buffer>();

  async put(o: { path: string; bytes: Uint8Array }): Promise<void> {
    this.files.set(o.path, Buffer.from(o.bytes));
  }

  async get(path: string): Promise<Buffer | undefined> {
    return this.files.get(path);
  }

  async remove(path: string): Promise<void> {
    this.files.delete(path);
  }
}
