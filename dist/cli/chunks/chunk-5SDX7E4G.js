import {
  GitopsError,
  __name
} from "./chunk-FIVESTVZ.js";

// gitops/adapters/kube-api.ts
var KubeApiError = class extends GitopsError {
  constructor(operation, status, detail, options) {
    super(
      `${operation} failed${status ? ` (HTTP ${status})` : ""}: ${detail}`,
      status === 404 ? "KUBE_NOT_FOUND" : "KUBE_API_FAILED",
      status === 401 || status === 403 ? "check the kubeconfig credentials and the RBAC rules for this user" : status === 404 ? "check the name and namespace" : void 0,
      options
    );
    this.operation = operation;
    this.status = status;
  }
  operation;
  status;
  static {
    __name(this, "KubeApiError");
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
