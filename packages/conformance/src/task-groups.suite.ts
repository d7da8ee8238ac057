/**
 * `taskGroup(body)` (asyncio.TaskGroup, Python 3.11; docs/asyncio-mapping.md "Scopes"): the
 * body runs inside the current task and receives the group (`createTask`);
 * the scope waits for every task; the first failure cancels the other tasks
 * and the body, and the group raises `ExceptionGroup('unhandled errors in a
 * TaskGroup', errors)` (`BaseExceptionGroup` when a member is not an
 * `Error`), nested groups kept; a cancellation of the parent task reaches the
 * tasks and the group raises `CancelledError`.
 *
 * Each expectation was checked against a Python twin (`async with
 * asyncio.TaskGroup() as tg`) under CPython 3.11 on a virtual-clock loop;
 * `t=` values are exact, iteration numbers are not compared (CPython's
 * `async with` runs inline, the TypeScript scope is an awaitable).
 *
 * Not pinned: `cancelling()` after a task fails while the group already
 * waits at its exit. CPython 3.11.7 leaves the parent's counter at 1 there
 * (its `__aexit__` calls `uncancel()` before that wait; 3.12 fixed it).
 * Python's `BaseException` members (KeyboardInterrupt, SystemExit) map to
 * values that are not `Error`s.
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import {
  BaseExceptionGroup,
  CancelledError,
  ContextVar,
  ExceptionGroup,
  RuntimeError,
  Task,
  copyContext,
  currentTask,
  sleep,
  taskGroup,
  type TaskGroup,
} from '@loop/core';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, rejection, type LoopFactory, type SuiteOptions } from './harness.js';
import { KeyError, ValueError, at, isTaskLike } from './twins.js';

/** Python's repr of an exception (group), for comparing with the twins' output. */
function pyRepr(e: unknown): string {
  if (e instanceof BaseExceptionGroup) {
    return `${e.name}('${e.message}', [${e.exceptions.map(pyRepr).join(', ')}])`;
  }
  if (e instanceof Error) return `${e.name}('${e.message}')`;
  return JSON.stringify(e) ?? String(e);
}

/** Defines the task-groups suite. */
export function taskGroupsSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('taskGroup', () => {

    /** The twins' `sl(name, d, fail)`: sleeps, logs `<name> cancelled` / `<name> done`. */
    function* sl(loop: { time(): number }, out: string[], name: string, d: number, fail = false): Coroutine<string> {
      try {
        yield* sleep(d);
      } catch (e) {
        out.push(at(loop, `${name} cancelled`));
        throw e;
      }
      if (fail) throw new ValueError(name);
      out.push(at(loop, `${name} done`));
      return name;
    }

    it('[test_taskgroup_01] taskGroup() - waits for every task at its exit and resolves to the body\'s value (yield*)', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          let t1!: Task<string>;
          let t2!: Task<string>;
          const r = yield* taskGroup(function* (tg: TaskGroup): Coroutine<string> {
            t1 = tg.createTask(sl(loop, out, 'a', 0.2));
            t2 = tg.createTask(sl(loop, out, 'b', 0.1));
            expect(isTaskLike(t1)).toBe(true);
            out.push(at(loop, 'body end'));
            return 'body value';
          });
          out.push(at(loop, `group exit ${r} results=${t1.result()},${t2.result()}`));
        })(),
      );
      expect(out).toEqual(['t=0.00 body end', 't=0.10 b done', 't=0.20 a done', 't=0.20 group exit body value results=a,b']);
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[test_taskgroup_01, test_taskgroup_02] taskGroup() - waits for every task at its exit (await, async body, async tasks)', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(async () => {
        const r = await taskGroup(async (tg: TaskGroup) => {
          const a = tg.createTask(async () => {
            await sleep(0.2);
            out.push(at(loop, 'a done'));
            return 'a';
          });
          tg.createTask(sl(loop, out, 'b', 0.1));
          await sleep(0.05);
          out.push(at(loop, 'body end'));
          // wrapped: an async function would adopt a returned task (deviation D18)
          return [a];
        });
        out.push(at(loop, `group exit a.done()=${String(r[0].done())} ${r[0].result()}`));
      });
      expect(out).toEqual(['t=0.05 body end', 't=0.10 b done', 't=0.20 a done', 't=0.20 group exit a.done()=true a']);
      t.close();
    }, { needs: ['virtual-clock'] });

    it("[test_cancel_children_on_child_error] the first failure - cancels the other tasks and the body; the group raises ExceptionGroup('unhandled errors in a TaskGroup', [error]) and cancelling() is back to 0", async (t) => {
      const { loop } = t;
      const out: string[] = [];
      let group: unknown = null;
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const task = currentTask() as Task<unknown>;
          try {
            yield* taskGroup(function* (tg: TaskGroup): Coroutine<void> {
              tg.createTask(sl(loop, out, 'x', 1));
              tg.createTask(sl(loop, out, 'bad', 0.1, true));
              try {
                yield* sleep(5);
              } catch (e) {
                out.push(at(loop, `body ${(e as Error).name} cancelling=${task.cancelling()}`));
                throw e;
              }
            });
          } catch (e) {
            group = e;
            out.push(at(loop, `${pyRepr(e)} cancelling=${task.cancelling()}`));
          }
          yield* sleep(0.1);
          out.push(at(loop, 'next await not cancelled'));
        })(),
      );
      expect(out).toEqual([
        't=0.10 x cancelled',
        't=0.10 body CancelledError cancelling=1',
        "t=0.10 ExceptionGroup('unhandled errors in a TaskGroup', [ValueError('bad')]) cancelling=0",
        't=0.20 next await not cancelled',
      ]);
      expect(group).toBeInstanceOf(ExceptionGroup);
      expect(group).toBeInstanceOf(BaseExceptionGroup);
      expect(group).toBeInstanceOf(AggregateError);
      expect((group as AggregateError).errors).toEqual([...(group as ExceptionGroup).exceptions]);
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[test_taskgroup_09] an error thrown by the body - cancels the tasks; the group raises an ExceptionGroup holding that error', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(async () => {
        let y!: Task<string>;
        try {
          await taskGroup(async (tg: TaskGroup) => {
            y = tg.createTask(sl(loop, out, 'y', 1));
            await sleep(0.1);
            throw new KeyError('body');
          });
        } catch (e) {
          out.push(at(loop, `${pyRepr(e)} y.cancelled=${String(y.cancelled())}`));
        }
      });
      expect(out).toEqual([
        't=0.10 y cancelled',
        "t=0.10 ExceptionGroup('unhandled errors in a TaskGroup', [KeyError('body')]) y.cancelled=true",
      ]);
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[test_cancel_children_on_child_error] tasks failing in the same iteration - all their errors are in the group, in completion order; the rest are cancelled', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          try {
            yield* taskGroup(function* (tg: TaskGroup): Coroutine<void> {
              tg.createTask(sl(loop, out, 'f1', 0.1, true));
              tg.createTask(sl(loop, out, 'f2', 0.1, true));
              tg.createTask(sl(loop, out, 'f3', 0.2, true));
            });
          } catch (e) {
            out.push(at(loop, pyRepr(e)));
          }
        })(),
      );
      expect(out).toEqual([
        't=0.10 f3 cancelled',
        "t=0.10 ExceptionGroup('unhandled errors in a TaskGroup', [ValueError('f1'), ValueError('f2')])",
      ]);
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[test_taskgroup_04] a failure while the group waits for its tasks at the exit - cancels the others; the group raises the ExceptionGroup', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(async () => {
        try {
          await taskGroup(async (tg: TaskGroup) => {
            await sleep(0);
            tg.createTask(sl(loop, out, 'w1', 0.1, true));
            tg.createTask(sl(loop, out, 'w2', 1));
          });
        } catch (e) {
          out.push(at(loop, pyRepr(e)));
        }
      });
      expect(out).toEqual(['t=0.10 w2 cancelled', "t=0.10 ExceptionGroup('unhandled errors in a TaskGroup', [ValueError('w1')])"]);
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[test_taskgroup_07] the parent task cancelled while the body awaits - the tasks are cancelled and the group raises CancelledError', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const parent = loop.createTask(
            (function* (): Coroutine<void> {
              yield* taskGroup(function* (tg: TaskGroup): Coroutine<void> {
                tg.createTask(sl(loop, out, 'p1', 1));
                tg.createTask(sl(loop, out, 'p2', 1));
                yield* sleep(5);
              });
            })(),
          );
          yield* sleep(0.1);
          parent.cancel();
          try {
            yield* parent;
          } catch (e) {
            out.push(at(loop, `parent ${(e as Error).name} cancelled()=${String(parent.cancelled())}`));
          }
        })(),
      );
      expect(out).toEqual(['t=0.10 p1 cancelled', 't=0.10 p2 cancelled', 't=0.10 parent CancelledError cancelled()=true']);
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[test_cancellation, test_taskgroup_22] the parent task cancelled while the group waits for its tasks at the exit - the tasks are cancelled and the group raises CancelledError', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(async () => {
        const parent = loop.createTask(async () => {
          await taskGroup(async (tg: TaskGroup) => {
            await sleep(0);
            tg.createTask(sl(loop, out, 'q1', 1));
          });
          return 'not reached';
        });
        await sleep(0.1);
        parent.cancel();
        const e = await rejection(parent);
        out.push(at(loop, `parent ${(e as Error).name}`));
      });
      expect(out).toEqual(['t=0.10 q1 cancelled', 't=0.10 parent CancelledError']);
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[test_taskgroup_finished] createTask() once the group has finished - RuntimeError, and the coroutine never runs', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          let group!: TaskGroup;
          yield* taskGroup(function* (tg: TaskGroup): Coroutine<void> {
            group = tg;
            yield* sleep(0);
          });
          let ran = false;
          try {
            group.createTask(
              (function* (): Coroutine<void> {
                ran = true;
              })(),
            );
            return ['no error'];
          } catch (e) {
            yield* sleep(0);
            return [e instanceof RuntimeError, (e as Error).message, ran];
          }
        })(),
      );
      expect(rec[0]).toBe(true);
      expect(rec[1]).toMatch(/finished/);
      expect(rec[2]).toBe(false);
      t.close();
    });

    it('[test_taskgroup_no_create_task_after_failure] createTask() while the group is shutting down after a failure - RuntimeError', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          try {
            yield* taskGroup(function* (tg: TaskGroup): Coroutine<void> {
              tg.createTask(sl(loop, out, 'bad', 0.1, true));
              try {
                yield* sleep(1);
              } catch (e) {
                try {
                  tg.createTask(sl(loop, out, 'too late', 0));
                } catch (e2) {
                  out.push(at(loop, `${(e2 as Error).name} shutting down=${String(/shutting down/.test((e2 as Error).message))}`));
                }
                throw e;
              }
            });
          } catch (e) {
            out.push(at(loop, pyRepr(e)));
          }
        })(),
      );
      expect(out).toEqual([
        't=0.10 RuntimeError shutting down=true',
        "t=0.10 ExceptionGroup('unhandled errors in a TaskGroup', [ValueError('bad')])",
      ]);
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[test_taskgroup_03] a task cancelled on its own - does not fail the group; the others finish', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          let ok!: Task<string>;
          yield* taskGroup(function* (tg: TaskGroup): Coroutine<void> {
            const c = tg.createTask(sl(loop, out, 'self', 1));
            ok = tg.createTask(sl(loop, out, 'ok', 0.2));
            yield* sleep(0.1);
            c.cancel();
          });
          out.push(at(loop, `group ok: ${ok.result()}`));
        })(),
      );
      expect(out).toEqual(['t=0.10 self cancelled', 't=0.20 ok done', 't=0.20 group ok: ok']);
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[test_taskgroup_14] nested groups (yield*, generator bodies) - the inner ExceptionGroup is kept, nested, in the outer one; the parent task ends normally', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      const r = await loop.runUntilComplete(
        (function* (): Coroutine<string> {
          try {
            yield* taskGroup(function* (tg: TaskGroup): Coroutine<void> {
              tg.createTask(function* (): Coroutine<void> {
                yield* taskGroup(function* (tg2: TaskGroup): Coroutine<void> {
                  tg2.createTask(sl(loop, out, 'n1', 0.1, true));
                });
              });
              tg.createTask(sl(loop, out, 'n2', 1));
            });
          } catch (e) {
            out.push(at(loop, pyRepr(e)));
          }
          yield* sleep(0.1);
          return 'parent done';
        })(),
      );
      expect(out).toEqual([
        't=0.10 n2 cancelled',
        "t=0.10 ExceptionGroup('unhandled errors in a TaskGroup', [ExceptionGroup('unhandled errors in a TaskGroup', [ValueError('n1')])])",
      ]);
      expect(r).toBe('parent done');
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[test_taskgroup_14] nested groups (await, async bodies) - the inner ExceptionGroup is kept, nested, in the outer one', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      let outer: unknown;
      await loop.runUntilComplete(async () => {
        try {
          await taskGroup(async (tg: TaskGroup) => {
            await sleep(0);
            tg.createTask(async () => {
              await taskGroup(async (tg2: TaskGroup) => {
                await sleep(0);
                tg2.createTask(sl(loop, out, 'n1', 0.1, true));
              });
            });
            tg.createTask(sl(loop, out, 'n2', 1));
          });
        } catch (e) {
          outer = e;
          out.push(at(loop, pyRepr(e)));
        }
      });
      expect(out).toEqual([
        't=0.10 n2 cancelled',
        "t=0.10 ExceptionGroup('unhandled errors in a TaskGroup', [ExceptionGroup('unhandled errors in a TaskGroup', [ValueError('n1')])])",
      ]);
      expect((outer as ExceptionGroup).exceptions[0]).toBeInstanceOf(ExceptionGroup);
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[SCOPE-02] a body that swallows the cancellation a failure caused - runs on until it exits; the group still raises the ExceptionGroup', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          try {
            yield* taskGroup(function* (tg: TaskGroup): Coroutine<void> {
              tg.createTask(sl(loop, out, 'z', 0.1, true));
              try {
                yield* sleep(1);
              } catch {
                out.push(at(loop, 'body swallowed cancel'));
              }
              yield* sleep(0.05);
              out.push(at(loop, 'body continues after swallow'));
            });
          } catch (e) {
            out.push(at(loop, pyRepr(e)));
          }
        })(),
      );
      expect(out).toEqual([
        't=0.10 body swallowed cancel',
        't=0.15 body continues after swallow',
        "t=0.15 ExceptionGroup('unhandled errors in a TaskGroup', [ValueError('z')])",
      ]);
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[test_taskgroup_24] tasks created by tasks of the group while it runs - are waited for too', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          yield* taskGroup(function* (tg: TaskGroup): Coroutine<void> {
            tg.createTask(
              (function* (): Coroutine<void> {
                yield* sleep(0.1);
                tg.createTask(sl(loop, out, 'spawned', 0.1));
              })(),
            );
          });
          out.push(at(loop, 'spawned waited'));
        })(),
      );
      expect(out).toEqual(['t=0.20 spawned done', 't=0.20 spawned waited']);
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[test_taskgroup_task_name, test_taskgroup_task_context] createTask(coro, { name, context }) - the task gets the name and runs in the context', async (t) => {
      const { loop } = t;
      const v = new ContextVar<string>('v', { default: 'default' });
      const rec = await loop.runUntilComplete(async () => {
        const ctx = copyContext();
        ctx.run(() => v.set('in ctx'));
        let named!: Task<string>;
        let inCtx!: Task<string>;
        await taskGroup(async (tg: TaskGroup) => {
          await sleep(0);
          named = tg.createTask(sl(loop, [], 'named', 0), { name: 'my-name' });
          inCtx = tg.createTask(
            async () => {
              await sleep(0);
              return v.get();
            },
            { context: ctx },
          );
        });
        return [named.getName(), inCtx.result(), inCtx.getContext() === ctx];
      });
      expect(rec).toEqual(['my-name', 'in ctx', true]);
      t.close();
    });

    it('[test_taskgroup_20a, test_taskgroup_21a] a task that throws a value that is not an Error - the group raises a BaseExceptionGroup, not an ExceptionGroup', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          try {
            yield* taskGroup(function* (tg: TaskGroup): Coroutine<void> {
              tg.createTask(
                (function* (): Coroutine<void> {
                  yield* sleep(0.1);
                  throw 'not an Error';
                })(),
              );
              tg.createTask(sl(loop, [], 'bx', 0.1, true));
            });
            return ['no error'];
          } catch (e) {
            return [
              e instanceof BaseExceptionGroup,
              e instanceof ExceptionGroup,
              (e as Error).message,
              (e as BaseExceptionGroup).exceptions.map(pyRepr),
            ];
          }
        })(),
      );
      expect(rec).toEqual([true, false, 'unhandled errors in a TaskGroup', ['"not an Error"', "ValueError('bx')"]]);
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[SCOPE-01] a group with no tasks - resolves to the body\'s value; an error of the body alone is still wrapped in an ExceptionGroup', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(async () => {
        const r = await taskGroup(async () => {
          await sleep(0);
          return 'empty';
        });
        const e = await rejection(
          taskGroup(function* (): Coroutine<void> {
            yield* sleep(0);
            throw new ValueError('alone');
          }),
        );
        return [r, pyRepr(e), e instanceof CancelledError];
      });
      expect(rec).toEqual(['empty', "ExceptionGroup('unhandled errors in a TaskGroup', [ValueError('alone')])", false]);
      t.close();
    });
  });
}
