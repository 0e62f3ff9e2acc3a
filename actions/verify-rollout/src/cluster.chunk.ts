// The Kubernetes client and the verification loop, bundled into their own dist/cluster.cjs: the
// client is most of the bundle, and loading it only after the inputs are valid keeps start-up fast.
export { kubeClientFromConfig } from '../../../gitops/adapters/kube.js';
export { verifyRollout } from '../../../gitops/flows/verify.js';
