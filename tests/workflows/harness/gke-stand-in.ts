// STAND-IN for the GKE cluster's API endpoint (no GKE cluster can run here). The e2e cluster runs
// both environments on one API server: gke's Application deploys into namespace score-api-gke
// (tests/e2e/cluster/argocd-local). This proxy presents that as the GKE cluster the workflows
// expect, where the workload lives in namespace score-api: it forwards every Kubernetes API
// request to the e2e API server (with the e2e admin client certificate) and rewrites the path
// segment /namespaces/score-api/ to /namespaces/score-api-gke/. Argo CD's Applications (namespace
// argocd) pass through unchanged. Like GKE's endpoint it serves HTTPS (its own CA, in the
// kubeconfig) and clients authenticate with a bearer token.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:https';
import { createServer, request as httpsRequest } from 'node:https';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { parse } from 'yaml';

/** The running stand-in. */
export interface GkeStandIn {
  url: string;
  /** A kubeconfig whose context is named as GKE names it: gke_PROJECT_LOCATION_CLUSTER. */
  kubeconfig: string;
  context: string;
  /** Requests served, as `METHOD upstream-path`. */
  requests: string[];
  close(): Promise<void>;
}

interface KubeconfigFile {
  clusters: { cluster: { server: string; 'certificate-authority'?: string } }[];
  users: { user: { 'client-certificate'?: string; 'client-key'?: string } }[];
}

/** Rewrites the namespace of a Kubernetes API path (pure, for the proxy and its test). */
export function rewriteNamespace(path: string, from: string, to: string): string {
  return path.replace(new RegExp(`/namespaces/${from}(/|$|\\?)`), `/namespaces/${to}$1`);
}

/** Rewrites the `"namespace": from` fields of a JSON response (pure, for the proxy and its test). */
export function rewriteNamespaceFields(json: string, from: string, to: string): string {
  return json.replace(new RegExp(`("namespace"\\s*:\\s*)"${from}"`, 'g'), `$1"${to}"`);
}

/** Starts the proxy in front of the e2e cluster of `adminKubeconfig`. */
export async function startGkeStandIn(opts: {
  adminKubeconfig: string;
  gke: { project: string; location: string; cluster: string };
  namespace: { workflow: string; cluster: string };
  kubeconfigOut: string;
}): Promise<GkeStandIn> {
  const admin = parse(readFileSync(opts.adminKubeconfig, 'utf8')) as KubeconfigFile;
  const cluster = admin.clusters[0]?.cluster;
  const user = admin.users[0]?.user;
  if (
    !cluster?.server ||
    !cluster['certificate-authority'] ||
    !user?.['client-certificate'] ||
    !user['client-key']
  ) {
    throw new Error(`${opts.adminKubeconfig}: expected file paths for the CA, client cert and key`);
  }
  const upstream = new URL(cluster.server);
  const tls = {
    ca: readFileSync(cluster['certificate-authority']),
    cert: readFileSync(user['client-certificate']),
    key: readFileSync(user['client-key']),
  };
  const token = `ya29.gke-stand-in.${randomBytes(12).toString('hex')}`;
  const requests: string[] = [];

  // A self-signed certificate for 127.0.0.1, made with openssl (Node.js cannot issue certificates).
  const dir = dirname(opts.kubeconfigOut);
  const [certFile, keyFile] = [join(dir, 'gke-stand-in.crt'), join(dir, 'gke-stand-in.key')];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=gke-stand-in',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  const cert = readFileSync(certFile);
  const server: Server = createServer({ cert, key: readFileSync(keyFile) }, (req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'Unauthorized',
          code: 401,
        }),
      );
      return;
    }
    const path = rewriteNamespace(req.url ?? '/', opts.namespace.workflow, opts.namespace.cluster);
    requests.push(`${req.method} ${path}`);
    const headers = { ...req.headers, host: upstream.host };
    delete headers.authorization;
    const up = httpsRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path, headers, ...tls },
      (upRes) => {
        const json = String(upRes.headers['content-type'] ?? '').includes('json');
        if (!json) {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
          return;
        }
        // Objects come back in the namespace the client asked for (kubectl checks it).
        const chunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => chunks.push(c));
        upRes.on('end', () => {
          const body = Buffer.from(
            rewriteNamespaceFields(
              Buffer.concat(chunks).toString('utf8'),
              opts.namespace.cluster,
              opts.namespace.workflow,
            ),
          );
          const headers = { ...upRes.headers, 'content-length': String(body.length) };
          delete headers['transfer-encoding'];
          res.writeHead(upRes.statusCode ?? 502, headers);
          res.end(body);
        });
      },
    );
    up.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`gke stand-in: upstream ${upstream.host}: ${err.message}\n`);
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const context = `gke_${opts.gke.project}_${opts.gke.location}_${opts.gke.cluster}`;
  writeFileSync(
    opts.kubeconfigOut,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: context,
          cluster: { server: url, 'certificate-authority-data': cert.toString('base64') },
        },
      ],
      users: [{ name: context, user: { token } }],
      contexts: [{ name: context, context: { cluster: context, user: context } }],
      'current-context': context,
    }),
    { mode: 0o600 },
  );
  return {
    url,
    kubeconfig: opts.kubeconfigOut,
    context,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections would hold close() open.
        server.closeAllConnections();
      }),
  };
}
