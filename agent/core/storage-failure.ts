/**
 * The disk refused a write (full, I/O error, read-only): SQLite's codes for it. Callers keep going from memory
 * instead of crashing; every other error is a bug and is rethrown.
 */
export function isStorageFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_READONLY'))
  );
}
