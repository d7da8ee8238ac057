/**
 * The network suites: each takes a `NetLoopFactory` (a loop with an I/O
 * backend and `@loop/net`), so the proactor loop and, later, the selector
 * loop are held to the same behaviours. Run them from a jest file of the
 * package that owns the loop, one suite per file so jest runs them in
 * parallel: `streamsSuite(() => new MyNetLoop())`.
 *
 * @packageDocumentation
 */
export {
  NetTest,
  defineNetTest,
  openSocketHandles,
  type NetIt,
  type NetLoop,
  type NetLoopFactory,
  type NetTestOptions,
} from './harness.js';
export { TEST_CA_PEM, TEST_CLIENT_CERT_PEM, TEST_CLIENT_KEY_PEM, TEST_SERVER_CERT_PEM, TEST_SERVER_KEY_PEM } from './tls-fixtures.js';
export { streamTransportSuite } from './stream-transport.suite.js';
export { datagramTransportSuite } from './datagram-transport.suite.js';
export { connectionSuite, EchoProtocol, RecordingProtocol, foreignSocket, portOf, deadPort } from './connection.suite.js';
export { serverSuite } from './server.suite.js';
export { datagramSuite } from './datagram.suite.js';
export { unixSuite } from './unix.suite.js';
export { dnsSuite } from './dns.suite.js';
export { streamReaderSuite } from './stream-reader.suite.js';
export { streamReaderUntilSuite } from './stream-reader-until.suite.js';
export { streamsSuite } from './streams.suite.js';
export { streamsFlowSuite } from './streams-flow.suite.js';
export { streamsUnixSuite } from './streams-unix.suite.js';
export { tlsSuite } from './tls.suite.js';
export { sendfileSuite } from './sendfile.suite.js';
export { pipesSuite } from './pipes.suite.js';
export { signalsSuite } from './signals.suite.js';
export { writeErrorsSuite } from './write-errors.suite.js';
