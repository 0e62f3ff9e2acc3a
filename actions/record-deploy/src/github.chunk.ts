// Loaded once the inputs are valid: the recording and revert flows and, with them, the GitHub client
// (Octokit), most of the bundle.
export {
  finishDeploy,
  readDeployedChange,
  startDeploy,
} from '../../../gitops/flows/record-deploy.js';
export { revertSource } from '../../../gitops/flows/revert-source.js';
