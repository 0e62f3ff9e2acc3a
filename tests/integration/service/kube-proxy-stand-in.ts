// A stand-in for kube-proxy in front of service processes on 127.0.0.1, for tests that cannot run a
// real node (tests/e2e does, through a real NodePort). It keeps kube-proxy's two properties that
// matter to a drain: a NEW connection goes to one of the current endpoints (round robin), and an
// ESTABLISHED connection stays with its endpoint after that endpoint is removed (conntrack), until
// either side closes it. A reset on one side resets the other, so a client sees what it would.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface KubeProxyStandIn {
  port: number;
  /** Replaces the endpoint ports new connections are sent to (kube-proxy syncing an EndpointSlice). */
  setEndpoints(ports: number[]): void;
  close(): Promise<void>;
}

/** Listens on a free 127.0.0.1 port and forwards each new connection to one of `endpoints`. */
export async function startKubeProxyStandIn(endpoints: number[]): Promise<KubeProxyStandIn> {
  let current = [...endpoints];
  let next = 0;
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server: Server = createServer((client) => {
    track(client);
    const target = current[next++ % current.length];
    if (target === undefined) {
      client.resetAndDestroy();
      return;
    }
    const backend = connect(target, '127.0.0.1');
    track(backend);
    client.pipe(backend);
    backend.pipe(client);
    // A half-close (FIN) travels through pipe(); a reset or refusal becomes a reset on the other side.
    client.on('error', () => backend.resetAndDestroy());
    backend.on('error', () => client.resetAndDestroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('stand-in has no port');
  return {
    port: address.port,
    setEndpoints(ports) {
      current = [...ports];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
