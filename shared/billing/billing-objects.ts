import type { BillingSource } from '#shared/billing/read-billing-source';

/**
 * Where billing objects live (S3 in AWS, a folder locally), as ingestion needs it: open an
 * object, read a small one as text, and resolve a key a manifest lists to a present object.
 */
export interface BillingObjects {
  /** A source for an object uri (`s3://bucket/key` or a local path). */
  source(uri: string): BillingSource;
  readText(uri: string): Promise<string>;
  exists(uri: string): Promise<boolean>;
  /** The object's size in bytes (S3 HeadObject, or the file's stat locally). */
  size(uri: string): Promise<number>;
  /** When the object was last written, in epoch milliseconds (S3 HeadObject `LastModified`, or the file's mtime). */
  lastModified(uri: string): Promise<number>;
  /**
   * The uri of a data file a manifest lists (a key, or an `s3://` uri) when it is present, else
   * undefined. Keys are resolved relative to the manifest's bucket or folder.
   */
  resolveListed(manifestUri: string, listed: string): Promise<string | undefined>;
  /** For a data file in the Data Exports or legacy CUR layout, its period's manifest uri (present or not). */
  manifestFor(dataFileUri: string): string | undefined;
}
