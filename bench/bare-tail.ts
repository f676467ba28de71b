// The baseline the tail bench compares with: the simplest Node loop following a log, fs.watch on its folder and a
// 1 s poll, reading what was appended and JSON.parse-ing each line; no framing rules, no rotation, no state.
import { watch } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Follows `log` from its end, calling `onLines` with the number of whole lines each read brought; returns a stop. */
export async function bareTail(log: string, onLines: (lines: number) => void): Promise<() => Promise<void>> {
  const handle = await open(log, 'r');
  let offset = (await handle.stat()).size;
  let rest = '';
  let reading: Promise<void> | undefined;
  let again = false;
  const buffer = Buffer.alloc(1 << 16);
  const drain = async () => {
    do {
      again = false;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        const parts = (rest + buffer.toString('utf8', 0, bytesRead)).split('\n');
        rest = parts.pop() as string;
        for (const line of parts) if (line) JSON.parse(line);
        onLines(parts.length);
      }
    } while (again);
    reading = undefined;
  };
  const read = () => {
    if (reading) again = true;
    else reading = drain();
  };
  const watcher = watch(dirname(log), read);
  const poll = setInterval(read, 1000);
  return async () => {
    watcher.close();
    clearInterval(poll);
    await reading;
    await handle.close();
  };
}
