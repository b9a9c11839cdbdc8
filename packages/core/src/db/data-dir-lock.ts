import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseError } from '../errors.js';

const LOCK_FILE = 'custodian.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/**
 * PGlite does not stop two processes from opening one data folder, and two
 * writers would lose each other's changes. We hold a lock file with our pid;
 * a lock left by a process that no longer runs is taken over.
 */
export function lockDataDir(dir: string): () => void {
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      const release = () => {
        try {
          if (readFileSync(file, 'utf8') === String(process.pid)) rmSync(file);
        } catch {
          // already gone
        }
      };
      process.once('exit', release);
      return () => {
        process.removeListener('exit', release);
        release();
      };
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(file, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
        throw new DatabaseError('ERR_DB_LOCKED', `the embedded database in ${dir} is in use by process ${holder}`, {
          hint: 'stop that process, or use another folder with --data-dir',
        });
      }
      if (holder === process.pid) {
        throw new DatabaseError('ERR_DB_LOCKED', `the embedded database in ${dir} is already open in this process`, {
          hint: 'share the one handle instead of opening the folder twice',
        });
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new DatabaseError('ERR_DB_LOCKED', `could not lock the embedded database in ${dir}`);
}

/** Whether a folder holds a PGlite database (PostgreSQL writes PG_VERSION at init). */
export function isDataDir(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION'));
}
