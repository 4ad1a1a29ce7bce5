import { ignoredObjectReason, manifestKeyForDataFile } from '#shared/billing/export-manifest';

describe('manifestKeyForDataFile', () => {
  it.each([
    [
      'a Data Exports data file',
      'billing/focus-daily/data/BILLING_PERIOD=2026-08/focus-daily-00001.csv.gz',
      'billing/focus-daily/metadata/BILLING_PERIOD=2026-08/focus-daily-Manifest.json',
    ],
    [
      'a Data Exports data file in a version folder of its period',
      'billing/cur2/data/BILLING_PERIOD=2026-08/2026-08-03T01:02:03.456Z-abc/cur2-00001.parquet',
      'billing/cur2/metadata/BILLING_PERIOD=2026-08/2026-08-03T01:02:03.456Z-abc/cur2-Manifest.json',
    ],
    [
      'a legacy CUR data file of a kept report version',
      'cur/acme/20231101-20231201/7f6c1a2e-0d1b-4c7e-9e0a-3b2f1c4d5e6f/acme-1.csv.gz',
      'cur/acme/20231101-20231201/acme-Manifest.json',
    ],
    [
      'a legacy CUR data file of an overwritten report',
      'acme/20231101-20231201/acme-12.csv.gz',
      'acme/20231101-20231201/acme-Manifest.json',
    ],
    ['a loose file', 'uploads/2026-08/focus.csv', undefined],
    [
      'a file in a legacy folder not named after its report',
      'cur/acme/20231101-20231201/abc/other-1.csv.gz',
      undefined,
    ],
    [
      'a legacy report name followed by no file number',
      'cur/acme/20231101-20231201/abc/acme-final.csv',
      undefined,
    ],
  ])('maps %s', (_name, key, expected) => {
    // Act
    const manifest = manifestKeyForDataFile(key);
    // Assess
    expect(manifest).toBe(expected);
  });
});

describe('ignoredObjectReason', () => {
  it.each([
    ['cur/acme/20231101-20231201/abc/acme-RedshiftManifest.json', /Redshift/],
    ['cur/acme/20231101-20231201/abc/acme-RedshiftCommands.sql', /Redshift/],
    ['cur/acme/acme/crawler-cfn.yml', /Athena/],
    ['cur/acme/acme/cost_and_usage_data_status/cost_and_usage_data_status.parquet', /data-status/],
    [
      'cur/acme/20231101-20231201/abc/acme-Manifest.json',
      /acme\/20231101-20231201\/acme-Manifest\.json defines the period/,
    ],
  ])('ignores %s', (key, reason) => {
    // Act
    const ignored = ignoredObjectReason(key);
    // Assess
    expect(ignored).toMatch(reason);
  });

  it.each([
    'cur/acme/20231101-20231201/acme-Manifest.json',
    'cur/acme/20231101-20231201/abc/acme-1.csv.gz',
    'billing/focus-daily/metadata/BILLING_PERIOD=2026-08/focus-daily-Manifest.json',
    'billing/focus-daily/data/BILLING_PERIOD=2026-08/part-1.parquet',
    'uploads/bill.csv',
  ])('keeps %s', (key) => {
    // Act
    const ignored = ignoredObjectReason(key);
    // Assess
    expect(ignored).toBeUndefined();
  });
});
