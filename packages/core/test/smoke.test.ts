import { x } from '../src/index.js';
it('exports', () => { expect(x).toBe(1); });
