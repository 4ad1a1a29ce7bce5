import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { asyncBufferFromFile } from 'hyparquet';
import type { BillingObjects } from '#shared/billing/billing-objects';
import { manifestKeyForDataFile } from '#shared/billing/export-manifest';
import type { BillingSource } from '#shared/billing/read-billing-source';

/** A billing source over a local file (Parquet read with ranged reads). */
export function localFileSource(file: string): BillingSource {
  return {
    uri: file,
    open: async () => createReadStream(file, { highWaterMark: 1 << 20 }),
    openRandomAccess: () => asyncBufferFromFile(file),
  };
}

/**
 * Billing objects in a local folder tree (the CLI). A manifest's listed keys resolve to the
 * file under `root` that ends with the longest tail of the key (so a downloaded
 * `<export>/data/BILLING_PERIOD=…/part.csv.gz` tree works wherever it was copied).
 */
export function createLocalBillingObjects(root: string): BillingObjects {
  return {
    source: localFileSource,
    readText: (uri) => readFile(uri, 'utf8'),
    exists: async (uri) => existsSync(uri),
    size: async (uri) => (await stat(uri)).size,
    lastModified: async (uri) => (await stat(uri)).mtimeMs,
    async resolveListed(manifestUri, listed) {
      const key = listed.replace(/^s3:\/\/[^/]+\//, '');
      const parts = key.split('/').filter((p) => p !== '');
      for (let i = 0; i < parts.length; i++) {
        for (const base of [root, path.dirname(manifestUri)]) {
          const candidate = path.join(base, ...parts.slice(i));
          if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
        }
      }
      return undefined;
    },
    manifestFor(dataFileUri) {
      const relative = path.relative(root, dataFileUri).split(path.sep).join('/');
      const manifestKey = manifestKeyForDataFile(relative);
      return manifestKey === undefined ? undefined : path.join(root, ...manifestKey.split('/'));
    },
  };
}

/** Billing data files by name (ZIP included, so a ZIP-compressed CUR is reported, not skipped). */
const DATA_FILE = /\.(csv|csv\.gz|gz|parquet|zip)$/i;

/** Every billing data file and manifest under a folder (recursively), sorted. */
export function listBillingFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (DATA_FILE.test(entry.name) || /manifest\.json$/i.test(entry.name)) found.push(full);
    }
  };
  walk(dir);
  return found.sort();
}
