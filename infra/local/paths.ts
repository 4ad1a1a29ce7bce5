import path from 'node:path';

/** The repository the CLI runs from (its bundled samples live here, whatever the working folder). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** A path inside the bundled samples (`samples/<...parts>`). */
export function samplePath(...parts: string[]): string {
  return path.join(REPO_ROOT, 'samples', ...parts);
}
