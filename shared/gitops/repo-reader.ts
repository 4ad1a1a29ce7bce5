import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '#shared/errors';

/** A path (from a mapping, a kustomization or a request) that would leave the repository. */
export class PathEscapeError extends InvalidInputError {}

/**
 * Read access to one revision of a GitOps repository: repo-relative POSIX paths only. Backends
 * implement it over a directory, a git revision or the GitHub trees API.
 */
export interface RepoReader {
  /** Regular files, repo-relative POSIX paths, sorted. */
  listFiles(): Promise<string[]>;
  /** Symbolic links (never followed). */
  listSymlinks(): Promise<string[]>;
  /** A file's UTF-8 text; undefined when absent. Callers pass paths checked by `resolveRepoPath`. */
  readFile(repoPath: string): Promise<string | undefined>;
}

/**
 * Resolves `reference` (relative to the repo folder `fromDir`) to a normalised repo path, refusing
 * absolute paths, URLs, `..` that climbs above the root, NUL bytes, and any path that goes through
 * a symbolic link (a link could point outside the checkout).
 */
export function resolveRepoPath(fromDir: string, reference: string, symlinks: ReadonlySet<string>): string {
  if (reference.includes('\0'))
    throw new PathEscapeError(`path contains a NUL byte: ${JSON.stringify(reference)}`);
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(reference) || reference.startsWith('//')) {
    throw new PathEscapeError(`remote or absolute reference refused: ${JSON.stringify(reference)}`);
  }
  if (reference.startsWith('/') || reference.startsWith('\\') || /^[a-zA-Z]:[\\/]/.test(reference)) {
    throw new PathEscapeError(`absolute path refused: ${JSON.stringify(reference)}`);
  }
  const joined = path.posix.normalize(
    path.posix.join(fromDir === '' ? '.' : fromDir, reference.replace(/\\/g, '/')),
  );
  if (joined === '..' || joined.startsWith('../') || path.posix.isAbsolute(joined)) {
    throw new PathEscapeError(
      `path escapes the repository: ${JSON.stringify(reference)} from ${JSON.stringify(fromDir || '.')}`,
    );
  }
  const clean = joined === '.' ? '' : joined.replace(/\/$/, '');
  const parts = clean.split('/');
  for (let i = 1; i <= parts.length; i += 1) {
    const prefix = parts.slice(0, i).join('/');
    if (symlinks.has(prefix)) {
      throw new PathEscapeError(
        `path goes through a symbolic link: ${JSON.stringify(reference)} (${prefix})`,
      );
    }
  }
  return clean;
}

const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

/** A RepoReader over a checked-out folder; symlinks are listed, never followed. */
export function createDirectoryRepoReader(rootDir: string): RepoReader {
  let listing: Promise<{ files: string[]; symlinks: string[] }> | undefined;
  const walk = async () => {
    const files: string[] = [];
    const symlinks: string[] = [];
    const visit = async (relative: string) => {
      const entries = await readdir(path.join(rootDir, relative), { withFileTypes: true });
      for (const entry of entries) {
        const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
        if (entry.isSymbolicLink()) symlinks.push(child);
        else if (entry.isDirectory()) {
          if (!SKIPPED_DIRS.has(entry.name)) await visit(child);
        } else if (entry.isFile()) files.push(child);
      }
    };
    await visit('');
    return { files: files.sort(), symlinks: symlinks.sort() };
  };
  const list = () => {
    listing ??= walk();
    return listing;
  };
  return {
    listFiles: async () => (await list()).files,
    listSymlinks: async () => (await list()).symlinks,
    async readFile(repoPath) {
      const symlinks = new Set((await list()).symlinks);
      const clean = resolveRepoPath('', repoPath, symlinks);
      const absolute = path.join(rootDir, clean);
      try {
        const stats = await lstat(absolute);
        if (!stats.isFile()) return undefined;
        // Belt and braces: the real path must still be inside the root.
        const [realRoot, realFile] = await Promise.all([realpath(rootDir), realpath(absolute)]);
        if (!realFile.startsWith(`${realRoot}${path.sep}`)) {
          throw new PathEscapeError(`path resolves outside the repository: ${JSON.stringify(repoPath)}`);
        }
        return await readFile(absolute, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
}

/** A RepoReader over files in memory (tests, and the GitHub backend's fetched snapshot). */
export function createMemoryRepoReader(files: Record<string, string>, symlinks: string[] = []): RepoReader {
  return {
    listFiles: async () => Object.keys(files).sort(),
    listSymlinks: async () => [...symlinks].sort(),
    readFile: async (repoPath) => files[repoPath],
  };
}
