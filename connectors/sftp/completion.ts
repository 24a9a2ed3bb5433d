import type { CompletionRule } from './sftp.config';

/**
 * When is a dropped file complete? SFTP cannot tell: the server sees a CLOSE whether the upload
 * finished or was aborted (reliability anchors 2.5, D2). So a file is picked only when the
 * supplier said so (a done-marker), or when it has stopped changing over a window.
 */

/** A regular file in the drop folder, as one listing saw it. */
export interface RemoteFile {
  readonly name: string;
  readonly size: number;
  /** Milliseconds; SFTP v3 carries whole seconds. */
  readonly mtimeMs: number;
}

export type WaitReason = 'no-marker' | 'marker-older-than-file' | 'changing' | 'empty' | 'gone';

export interface Completion {
  /** Complete data files, oldest first (then by name): the order batches are read in. */
  readonly ready: readonly RemoteFile[];
  readonly waiting: readonly { readonly file: RemoteFile; readonly why: WaitReason }[];
}

/**
 * Splits the data files of a listing into complete and still-waiting ones.
 * - done-marker: `name + suffix` exists and is not older than `name` (a marker left over from an
 *   earlier drop of the same name must not bless a file being rewritten).
 * - stable: the file is in both listings with the same size and mtime, and is not empty (an
 *   empty file is what a writer has just opened; taking it would move it away under the writer).
 * @param first all regular files of the first listing (data files and markers)
 * @param second all regular files of the listing taken `windowSeconds` later (stable mode only)
 */
export function completeFiles(
  rule: CompletionRule,
  isDataFile: (name: string) => boolean,
  first: readonly RemoteFile[],
  second?: readonly RemoteFile[],
): Completion {
  const ready: RemoteFile[] = [];
  const waiting: { file: RemoteFile; why: WaitReason }[] = [];
  const firstByName = new Map(first.map((f) => [f.name, f]));
  const secondByName = new Map((second ?? []).map((f) => [f.name, f]));
  for (const file of first) {
    if (!isDataFile(file.name)) continue;
    switch (rule.mode) {
      case 'done-marker': {
        const marker = firstByName.get(file.name + rule.suffix);
        if (marker === undefined) waiting.push({ file, why: 'no-marker' });
        else if (marker.mtimeMs < file.mtimeMs) waiting.push({ file, why: 'marker-older-than-file' });
        else ready.push(file);
        break;
      }
      case 'stable': {
        if (second === undefined) throw new Error('stable completion needs a second listing');
        const later = secondByName.get(file.name);
        if (later === undefined) waiting.push({ file, why: 'gone' });
        else if (later.size !== file.size || later.mtimeMs !== file.mtimeMs) waiting.push({ file: later, why: 'changing' });
        else if (later.size === 0) waiting.push({ file: later, why: 'empty' });
        else ready.push(later);
        break;
      }
    }
  }
  ready.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ready, waiting };
}
