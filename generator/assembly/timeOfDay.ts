// AssemblyScript: timeOfDay.ts's secondOfDay, for events.ts and payments.ts, which hand it the
// hourly weights of their config (HOUR_WEIGHTS), so that it draws the seconds the SQL does.

import { cfg } from './output';

/** The local hour of each of timeOfDay.ts's slots (u8 each), and TIME_DRAW. */
let hourOfSlot: usize = 0;
export let timeDraw: u64 = 0;

/** Reads timeOfDay.ts's HOUR_WEIGHTS from the 24 config slots from `weights` on: hour h holds its weight's slots, in order. */
export function startTimeOfDay(weights: i32): void {
  let total = 0;
  for (let h = 0; h < 24; h++) total += <i32>cfg(weights + h);
  hourOfSlot = heap.alloc(<usize>total);
  let n = 0;
  for (let h = 0; h < 24; h++) {
    for (let w = <i32>cfg(weights + h); w > 0; w--) {
      store<u8>(hourOfSlot + <usize>n, <u8>h);
      n++;
    }
  }
  timeDraw = <u64>total * 3600;
}

/** timeOfDay.ts's secondOfDay: the second of the UTC day of a draw in [0, timeDraw) by an account `offset` seconds ahead of UTC. */
export function secondOfDay(draw: u64, offset: i32): i32 {
  return (<i32>load<u8>(hourOfSlot + <usize>(draw / 3600)) * 3600 + <i32>(draw % 3600) + 86400 - offset) % 86400;
}
