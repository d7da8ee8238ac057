// Every scheduling suite of the kit on @loop/core's BaseEventLoop, debug
// mode off and on, the loop on the kit's virtual clock.
import { BaseEventLoop } from '@loop/core';
import { runConformance } from '@loop/conformance';
import { vitestRunner } from './runner.js';

runConformance('BaseEventLoop', (o) => new BaseEventLoop(o), { only: 'scheduling', runner: vitestRunner });
