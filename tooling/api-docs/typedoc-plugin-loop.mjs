// TypeDoc plugin for the @loop API reference (typedoc.json at the root).
//
// 1. Leaves out every member whose name starts with `_`. They follow asyncio's
//    own convention (`_ready`, `_cancelMessage`, `_setDefaultLoopFactory`):
//    reachable from TypeScript because another @loop package calls them, but
//    not public API, so the reference neither lists them nor wants TSDoc on them.
// 2. Keeps the `notDocumented` check on in the "packages" entry point
//    strategy. TypeDoc 0.28 converts each package with its own options and
//    resets their `validation` to a partial object, which turns
//    `notDocumented` off for every package; this turns it back on when the
//    root options ask for it, so an export without TSDoc fails `docs:api`.
import { Application, Converter, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  let wantDocumented = false;
  app.on(Application.EVENT_BOOTSTRAP_END, () => {
    wantDocumented = app.options.getValue('validation').notDocumented;
  });
  app.converter.on(Converter.EVENT_BEGIN, () => {
    const validation = app.options.getValue('validation');
    if (wantDocumented && !validation.notDocumented) {
      app.options.setValue('validation', { ...validation, notDocumented: true });
    }
  });
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    const doomed = Object.values(project.reflections).filter(
      (r) => r.name.startsWith('_') && !r.kindOf(ReflectionKind.Project | ReflectionKind.Module),
    );
    for (const reflection of doomed) {
      if (project.getReflectionById(reflection.id)) project.removeReflection(reflection);
    }
  });
}
