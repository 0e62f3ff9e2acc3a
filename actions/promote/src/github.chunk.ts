// Loaded once the inputs are valid: the promotion flow and, with it, the GitHub client (Octokit), most of
// the bundle.
export { promote } from '../../../gitops/flows/promote.js';
