/** Which kubeconfig the deploy check would use. */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The kubeconfig the pipeline would use: the flag/KUBECONFIG value, else ~/.kube/config. */
export function kubeconfigPath(configured: string | undefined, home = homedir()): string {
  // KUBECONFIG may list several files; the first one is the one kubectl writes to.
  return (configured?.split(':')[0] || join(home, '.kube', 'config')).trim();
}
