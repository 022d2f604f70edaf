package launch

import (
	"errors"
	"path"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/rtdw/rtdw/deploy"
	"github.com/rtdw/rtdw/deploy/flinkconf"
	"github.com/rtdw/rtdw/deploy/internal/check"
	"github.com/rtdw/rtdw/deploy/remote"
)

// KubernetesCluster describes a Flink native-Kubernetes deployment (Flink talks to the API server itself):
// a session started with kubernetes-session.sh, or an application with flink run-application
// -t kubernetes-application.
type KubernetesCluster struct {
	// FlinkHome is the Flink directory on the submitting host.
	FlinkHome string
	// ClusterID is kubernetes.cluster-id: the name of the Deployment and Services Flink creates.
	ClusterID string
	// Namespace is kubernetes.namespace; "" means "default".
	Namespace string
	// Image is kubernetes.container.image.ref (kubernetes.container.image before 1.18, the name 1.12 and 1.13
	// read); required for applications (the jar is inside it).
	Image string
	// ServiceAccount is kubernetes.service-account; it needs rights to create pods.
	ServiceAccount string
	// Config is passed as -D dynamic properties.
	Config flinkconf.Config
}

func (k KubernetesCluster) check(ps *deploy.ConfigError) {
	checkFlinkHome(ps, k.FlinkHome)
	if !check.DNSLabel(k.ClusterID, 45) {
		ps.Add("kubernetes.cluster-id", k.ClusterID, "use a lowercase DNS label of at most 45 characters (letters, digits, '-'), e.g. my-flink")
	}
	if k.Namespace != "" {
		for _, msg := range validation.IsDNS1123Label(k.Namespace) {
			ps.Add("kubernetes.namespace", k.Namespace, "Kubernetes refuses this namespace: %s", msg)
		}
	}
}

func (k KubernetesCluster) options(extra map[string]string) ([]string, error) {
	return dynamicOptions("Kubernetes deployment", k.Config, mergeOptions(map[string]string{
		"kubernetes.cluster-id":      k.ClusterID,
		"kubernetes.namespace":       k.Namespace,
		imageKey(k.Config.Version):   k.Image,
		"kubernetes.service-account": k.ServiceAccount,
	}, extra))
}

// imageKey is the option naming the image: kubernetes.container.image.ref from 1.18 (the releases between 1.13
// and 1.18 read the older name too, as a deprecated key), kubernetes.container.image before.
func imageKey(v flinkconf.Version) string {
	if v.AtLeast(flinkconf.Version{Major: 1, Minor: 18}) {
		return "kubernetes.container.image.ref"
	}
	return "kubernetes.container.image"
}

// SessionCommand returns the kubernetes-session.sh command line (detached).
func (k KubernetesCluster) SessionCommand() (remote.Command, error) {
	ps := invalid("Kubernetes session")
	k.check(ps)
	if err := ps.Err(); err != nil {
		return remote.Command{}, err
	}
	dyn, err := k.options(map[string]string{"execution.attached": "false"})
	if err != nil {
		return remote.Command{}, err
	}
	return remote.Command{Args: append([]string{path.Join(k.FlinkHome, "bin", "kubernetes-session.sh")}, dyn...)}, nil
}

// ApplicationCommand returns flink run-application -t kubernetes-application for a jar inside the image
// (jarURI "local:///opt/flink/usrlib/job.jar").
func (k KubernetesCluster) ApplicationCommand(jarURI, entryClass string, args []string, restore Restore) (remote.Command, error) {
	ps := invalid("Kubernetes application")
	k.check(ps)
	if k.Image == "" {
		ps.Add(imageKey(k.Config.Version), "", "an application needs an image that contains the job jar")
	}
	if !strings.HasPrefix(jarURI, "local://") && !strings.Contains(jarURI, "://") {
		ps.Add("jarURI", jarURI, "give a URI; a jar inside the image is local:///opt/flink/usrlib/job.jar")
	}
	if err := ps.Err(); err != nil {
		return remote.Command{}, err
	}
	dyn, err := k.options(restore.options(k.Config.Version))
	if err != nil {
		return remote.Command{}, err
	}
	cmd := []string{path.Join(k.FlinkHome, "bin", "flink"), "run-application", "-t", "kubernetes-application"}
	cmd = append(cmd, dyn...)
	if entryClass != "" {
		cmd = append(cmd, "-c", entryClass)
	}
	cmd = append(cmd, jarURI)
	cmd = append(cmd, args...)
	return remote.Command{Args: cmd}, nil
}

// KubernetesSubmission is what a native Kubernetes submission printed.
type KubernetesSubmission struct {
	ClusterID    string
	WebInterface string
}

var k8sCreated = regexp.MustCompile(`Create flink (?:session|application) cluster (\S+) successfully, JobManager Web Interface: (https?://\S+)`)

// ParseKubernetesSubmission reads the cluster id and JobManager web address from kubernetes-session.sh or
// flink run-application -t kubernetes-application output.
func ParseKubernetesSubmission(output string) (KubernetesSubmission, error) {
	m := k8sCreated.FindStringSubmatch(output)
	if m == nil {
		return KubernetesSubmission{}, errors.New("launch: no \"Create flink ... cluster ... successfully\" line in the output")
	}
	return KubernetesSubmission{ClusterID: m[1], WebInterface: m[2]}, nil
}
