/**
 * Mirrors the asyncio reference's "SelectorEventLoop(selector)"
 * (python/selector-event-loop.py): `new SelectorEventLoop(new
 * SelectSelector())` (Python's `asyncio.SelectorEventLoop(
 * selectors.SelectSelector())`), running a small coroutine that receives
 * and sends with `sockRecv` / `sockSendall` over a `@loop/socket`
 * socketpair, each waiting for readiness reported by `select()`. Both
 * classes come from `@loop/asyncio`, whose `SelectorEventLoop` is the
 * complete one (the network, subprocesses and signals composed in), as
 * Python's `asyncio.SelectorEventLoop` is; the sockets come from
 * `@loop/socket`, as Python's from `socket`.
 */
import { SelectSelector, SelectorEventLoop, ensureFuture, sleep } from '@loop/asyncio';
import { socketpair } from '@loop/socket';

const selector = new SelectSelector();
const loop = new SelectorEventLoop(selector);

async function main(): Promise<string> {
  const [rsock, wsock] = socketpair();
  try {
    const receiving = ensureFuture(loop.sockRecv(rsock, 100), loop);
    await sleep(0.01);
    await loop.sockSendall(wsock, Buffer.from('ping over select()'));
    const data = await receiving;
    console.log('received:', data.toString());
    console.log('watched by:', selector.constructor.name);
    return 'done';
  } finally {
    rsock.close();
    wsock.close();
  }
}

try {
  console.log(await loop.runUntilComplete(main));
} finally {
  loop.close();
}
