// Package k8s renders resources for the Flink Kubernetes Operator.
//
// [FlinkDeployment] is a session or application cluster as the operator's FlinkDeployment custom resource:
// image, Flink version (every one the CRD lists, [OperatorFlinkVersions]: 1.13 to 2.x), configuration (a
// [github.com/rtdw/rtdw/deploy/flinkconf.Config], validated against that release's keys and written under
// its names), mode (native or standalone), pod resources and pod templates, ingress, log configuration and
// the job with its upgrade mode.
//
// [FlinkDeployment.Validate] applies Kubernetes' own field rules (k8s.io/apimachinery's validation of names,
// namespaces, label and annotation keys and values, service account names; the container rules for images and
// pull policies), Flink's (pod memory large enough for Flink's fixed memory components, finite CPU) and the
// operator's admission rules (its DefaultValidator) before anything is encoded, and reports every problem in one [github.com/rtdw/rtdw/deploy.ConfigError].
// [FlinkDeployment.Render] then writes YAML and checks it against the operator's published CRD schema, made
// strict (unknown fields are errors, as with kubectl) and carrying the same Kubernetes rules, with an
// independent JSON-schema validator ([ValidateFlinkDeploymentYAML]). [ParseFlinkDeployment] reads one back.
package k8s
