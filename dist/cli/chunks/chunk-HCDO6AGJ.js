import {
  ApiCallError,
  __name
} from "./chunk-LSNGMJ2J.js";

// gitops/adapters/kube-api.ts
var KubeApiError = class extends ApiCallError {
  static {
    __name(this, "KubeApiError");
  }
  constructor(operation, status, detail, options) {
    super(
      operation,
      status,
      detail,
      status === 404 ? "KUBE_NOT_FOUND" : "KUBE_API_FAILED",
      status === 401 || status === 403 ? "check the kubeconfig credentials and the RBAC rules for this user" : status === 404 ? "check the name and namespace" : void 0,
      options
    );
  }
};
var ARGOCD_GROUP = "argoproj.io";
var ARGOCD_VERSION = "v1alpha1";
var ARGOCD_REFRESH_ANNOTATION = "argocd.argoproj.io/refresh";

export {
  KubeApiError,
  ARGOCD_GROUP,
  ARGOCD_VERSION,
  ARGOCD_REFRESH_ANNOTATION
};
