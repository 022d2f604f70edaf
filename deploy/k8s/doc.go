// Package k8s renders resources for the Flink Kubernetes Operator.
//
// [FlinkDeployment] is a session or application cluster as the operator's FlinkDeployment custom resource:
// image, Flink version, configuration (a [github.com/rtdw/rtdw/deploy/flinkconf.Config], validated against
// that release's keys), pod resources and the job with its upgrade mode. [FlinkDeployment.Render] validates
// it against Kubernetes' own field rules and writes YAML that is then checked against the operator's
// published CRD schema with an independent JSON-schema validator ([ValidateFlinkDeploymentYAML]);
// [ParseFlinkDeployment] reads one back. [OperatorFlinkVersions] lists the Flink versions the CRD accepts.
package k8s
