// Vitest's own functions as the kit's test runner (the kit's TestRunner
// shape: describe, test(title, fn, timeoutMs) and the four hooks).
import { afterAll, afterEach, beforeAll, beforeEach, describe, test } from 'vitest';
import type { TestRunner } from '@loop/conformance';

export const vitestRunner: TestRunner = { describe, test, beforeEach, afterEach, beforeAll, afterAll };
