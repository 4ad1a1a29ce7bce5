import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  parse,
  parseAllDocuments,
  Scalar,
  type YAMLMap,
} from 'yaml';
import { InvalidInputError } from '#shared/errors';

/** A YAML file that cannot be parsed or edited in place (a flow collection, a block scalar...). */
export class ManifestEditError extends InvalidInputError {}

/** A path into a YAML document: map keys and sequence indexes. */
export type YamlPath = ReadonlyArray<string | number>;

/** Set the scalar at `path` of document `docIndex` (creating missing maps) to `value`. */
export interface ScalarEdit {
  docIndex: number;
  path: YamlPath;
  value: string | number;
  /** Before editing, append `{ name }` to the block sequence at `seqPath` unless an item has that name. */
  ensureItem?: { seqPath: YamlPath; name: string };
}

/** Parses every document of a multi-document YAML text; throws ManifestEditError naming the file on syntax errors. */
export function parseDocuments(source: string, file: string) {
  const docs = parseAllDocuments(source);
  if (!Array.isArray(docs)) return [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      throw new ManifestEditError(`${file}: YAML syntax error: ${doc.errors[0]?.message ?? 'unknown'}`);
    }
  }
  return docs;
}

const column = (source: string, offset: number) => offset - (source.lastIndexOf('\n', offset - 1) + 1);

function plainRoundTrips(text: string): boolean {
  if (text === '' || /^[\s]|[\s]$|[:#]\s|\s#|^[-?:,[\]{}#&*!|>'"%@`]/.test(text)) return false;
  try {
    return parse(text) === text;
  } catch {
    return false;
  }
}

/** YAML text of a new scalar: plain when it reads back as the same string (or is a number), else double-quoted. */
export function renderScalar(value: string | number, previous?: Scalar): string {
  const text = String(value);
  if (previous?.type === Scalar.QUOTE_DOUBLE) return JSON.stringify(text);
  if (previous?.type === Scalar.QUOTE_SINGLE) return `'${text.replace(/'/g, "''")}'`;
  if (typeof value === 'number') return text;
  if (typeof previous?.value === 'number' && /^\d+(\.\d+)?$/.test(text)) return text;
  return plainRoundTrips(text) ? text : JSON.stringify(text);
}

function renderBlock(path: YamlPath, value: string | number, indent: number): string {
  let text = '';
  path.forEach((segment, depth) => {
    const pad = ' '.repeat(indent + depth * 2);
    const key = renderScalar(String(segment));
    text += depth === path.length - 1 ? `${pad}${key}: ${renderScalar(value)}\n` : `${pad}${key}:\n`;
  });
  return text;
}

function renderFlow(path: YamlPath, value: string | number): string {
  const [head, ...rest] = path;
  const key = renderScalar(String(head));
  return rest.length === 0 ? `${key}: ${renderScalar(value)}` : `${key}: { ${renderFlow(rest, value)} }`;
}

function findPair(map: YAMLMap, key: string) {
  return map.items.find((pair) => isPair(pair) && isScalar(pair.key) && String(pair.key.value) === key);
}

/** Reads the plain value at `path` of a document (undefined when absent). */
export function valueAt(node: unknown, path: YamlPath): unknown {
  let current: unknown = node;
  for (const segment of path) {
    if (isMap(current)) current = findPair(current, String(segment))?.value;
    else if (isSeq(current) && typeof segment === 'number') current = current.items[segment];
    else return undefined;
  }
  return isScalar(current)
    ? current.value
    : current === undefined || current === null
      ? undefined
      : (current as Node).toJSON();
}

/**
 * Applies one scalar edit by splicing the source text: only the bytes of the changed scalar (or
 * the inserted lines) differ; comments, quoting, key order and blank lines stay as they were.
 */
export function applyScalarEdit(source: string, edit: ScalarEdit, file: string): string {
  const docs = parseDocuments(source, file);
  const doc = docs[edit.docIndex];
  if (!doc) throw new ManifestEditError(`${file}: no YAML document #${edit.docIndex}`);
  let node: unknown = doc.contents;
  for (let depth = 0; depth < edit.path.length; depth += 1) {
    const segment = edit.path[depth] as string | number;
    const rest = edit.path.slice(depth);
    if (isSeq(node)) {
      const item = typeof segment === 'number' ? node.items[segment] : undefined;
      if (item === undefined)
        throw new ManifestEditError(
          `${file}: no item ${String(segment)} at ${edit.path.slice(0, depth).join('.')}`,
        );
      node = item;
      continue;
    }
    if (!isMap(node)) {
      throw new ManifestEditError(
        `${file}: ${edit.path.slice(0, depth).join('.') || '(document)'} is not a map`,
      );
    }
    const pair = findPair(node, String(segment));
    if (!pair) return insertIntoMap(source, node, rest, edit.value, file);
    const value = pair.value;
    const isLast = depth === edit.path.length - 1;
    if (isLast) {
      if (!isScalar(value) || value.range === undefined || value.range === null) {
        throw new ManifestEditError(`${file}: ${edit.path.join('.')} is not a scalar`);
      }
      if (value.type === Scalar.BLOCK_LITERAL || value.type === Scalar.BLOCK_FOLDED) {
        throw new ManifestEditError(`${file}: ${edit.path.join('.')} is a block scalar; edit it by hand`);
      }
      const [start, end] = value.range;
      return source.slice(0, start) + renderScalar(edit.value, value) + source.slice(end);
    }
    if (
      value === null ||
      value === undefined ||
      (isScalar(value) && (value.value === null || value.value === ''))
    ) {
      // `resources:` with no value (or `~`): put a block under the key.
      const keyNode = pair.key as Scalar;
      const keyStart = keyNode.range?.[0] ?? 0;
      const colon = source.indexOf(':', keyNode.range?.[1] ?? keyStart);
      const valueRange = isScalar(value) && value.range ? value.range : [colon + 1, colon + 1];
      const lineEnd = source.indexOf('\n', valueRange[1]);
      const block = renderBlock(edit.path.slice(depth + 1), edit.value, column(source, keyStart) + 2);
      const before = source.slice(0, colon + 1);
      const after = lineEnd === -1 ? '' : source.slice(lineEnd + 1);
      const trailing =
        lineEnd === -1 ? '' : source.slice(valueRange[1], lineEnd).replace(/^\s*(~|null)?/, '');
      return `${before}${trailing}\n${block}${after}`;
    }
    if (isMap(value) && value.flow && value.items.length === 0 && value.range) {
      // `resources: {}` becomes a block map at the key's indentation + 2.
      const keyStart = (pair.key as Scalar).range?.[0] ?? 0;
      const [start, end] = value.range;
      const block = renderBlock(edit.path.slice(depth + 1), edit.value, column(source, keyStart) + 2);
      const lineEnd = source.indexOf('\n', end);
      const comment = source.slice(end, lineEnd === -1 ? source.length : lineEnd).trimEnd();
      return `${source.slice(0, start).trimEnd()}${comment}\n${block}${lineEnd === -1 ? '' : source.slice(lineEnd + 1)}`;
    }
    node = value;
  }
  throw new ManifestEditError(`${file}: empty path`);
}

function insertIntoMap(
  source: string,
  map: YAMLMap,
  path: YamlPath,
  value: string | number,
  file: string,
): string {
  if (!map.range) throw new ManifestEditError(`${file}: cannot locate a map to insert ${path.join('.')}`);
  if (map.flow) {
    const close = source.lastIndexOf('}', map.range[1]);
    if (close < 0) throw new ManifestEditError(`${file}: unterminated flow map`);
    const separator = map.items.length > 0 ? ', ' : '';
    return `${source.slice(0, close).trimEnd()}${separator}${renderFlow(path, value)}${map.items.length > 0 ? ' ' : ''}${source.slice(close)}`;
  }
  const first = map.items[0];
  const last = map.items[map.items.length - 1];
  const firstKey = first && isScalar(first.key) ? first.key : undefined;
  if (!firstKey?.range || !last)
    throw new ManifestEditError(`${file}: cannot insert ${path.join('.')} into an empty block map`);
  const indent = column(source, firstKey.range[0]);
  const lastValue = last.value as Node | null;
  const lastEnd = lastValue?.range?.[1] ?? (last.key as Node).range?.[2] ?? map.range[1];
  let position: number;
  if (source[lastEnd - 1] === '\n') position = lastEnd;
  else {
    const lineEnd = source.indexOf('\n', lastEnd);
    position = lineEnd === -1 ? source.length : lineEnd + 1;
  }
  const prefix = position === source.length && !source.endsWith('\n') ? '\n' : '';
  return source.slice(0, position) + prefix + renderBlock(path, value, indent) + source.slice(position);
}

/**
 * Appends an item `- name: <name>` to the block sequence at `seqPath`, at the indentation of its
 * existing items (so a Kustomize patch can gain a container entry without touching other lines).
 */
export function appendSeqItem(
  source: string,
  docIndex: number,
  seqPath: YamlPath,
  name: string,
  file: string,
): string {
  const doc = parseDocuments(source, file)[docIndex];
  const seq = doc?.getIn(seqPath as unknown[], true);
  if (!isSeq(seq) || seq.flow || seq.items.length === 0) {
    throw new ManifestEditError(`${file}: ${seqPath.join('.')} is not a non-empty block sequence`);
  }
  const first = seq.items[0] as Node;
  const last = seq.items[seq.items.length - 1] as Node;
  if (!first.range || !last.range) throw new ManifestEditError(`${file}: cannot locate ${seqPath.join('.')}`);
  const lineStart = source.lastIndexOf('\n', first.range[0] - 1) + 1;
  const dash = source.indexOf('-', lineStart);
  const indent = dash - lineStart;
  const end = last.range[1];
  let position: number;
  if (source[end - 1] === '\n') position = end;
  else {
    const lineEnd = source.indexOf('\n', end);
    position = lineEnd === -1 ? source.length : lineEnd + 1;
  }
  const prefix = position === source.length && !source.endsWith('\n') ? '\n' : '';
  return `${source.slice(0, position)}${prefix}${' '.repeat(indent)}- name: ${renderScalar(name)}\n${source.slice(position)}`;
}

function hasNamedItem(
  source: string,
  docIndex: number,
  seqPath: YamlPath,
  name: string,
  file: string,
): boolean {
  const value = valueAt(parseDocuments(source, file)[docIndex]?.contents, seqPath);
  return Array.isArray(value) && value.some((item) => (item as { name?: unknown } | null)?.name === name);
}

/** Applies edits in order and checks that each landed (the file reads back with the new values). */
export function applyScalarEdits(source: string, edits: readonly ScalarEdit[], file: string): string {
  let text = source;
  for (const edit of edits) {
    if (
      edit.ensureItem &&
      !hasNamedItem(text, edit.docIndex, edit.ensureItem.seqPath, edit.ensureItem.name, file)
    ) {
      text = appendSeqItem(text, edit.docIndex, edit.ensureItem.seqPath, edit.ensureItem.name, file);
    }
    text = applyScalarEdit(text, edit, file);
    const docs = parseDocuments(text, file);
    const landed = valueAt(docs[edit.docIndex]?.contents, edit.path);
    if (String(landed) !== String(edit.value)) {
      throw new ManifestEditError(
        `${file}: editing ${edit.path.join('.')} did not produce ${JSON.stringify(edit.value)} (read back ${JSON.stringify(landed)})`,
      );
    }
  }
  return text;
}
