package k8s

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/rtdw/rtdw/deploy"
	"github.com/rtdw/rtdw/deploy/flinkconf"
	"github.com/rtdw/rtdw/deploy/internal/check"
)

// UpgradeMode is how the Flink Kubernetes Operator carries a job's state across spec changes.
type UpgradeMode string

// The operator's upgrade modes.
const (
	// UpgradeStateless redeploys from the initial savepoint (or empty state).
	UpgradeStateless UpgradeMode = "stateless"
	// UpgradeSavepoint stops with a savepoint and restarts from it; needs a savepoint directory.
	UpgradeSavepoint UpgradeMode = "savepoint"
	// UpgradeLastState restarts from the latest checkpoint kept by HA metadata; needs high availability
	// and a checkpoint directory.
	UpgradeLastState UpgradeMode = "last-state"
)

// FlinkDeployment is a FlinkDeployment custom resource (flink.apache.org/v1beta1) for the Flink Kubernetes
// Operator: an application cluster when Job is set, a session cluster otherwise. [FlinkDeployment.Render]
// checks it and then validates the YAML against the operator's CRD schema before returning it.
type FlinkDeployment struct {
	// Name and Namespace are the resource's metadata.name and metadata.namespace ("" leaves the namespace to
	// kubectl's context).
	Name, Namespace string
	// Labels are metadata.labels.
	Labels map[string]string
	// Image is the Flink image, with the job jar inside for application deployments.
	Image string
	// ImagePullPolicy is spec.imagePullPolicy ("" leaves Kubernetes' default).
	ImagePullPolicy string
	// Config is spec.flinkConfiguration; its Version is spec.flinkVersion.
	Config flinkconf.Config
	// ServiceAccount runs the JobManager; it needs rights to manage pods. "" means "flink", the operator Helm
	// chart's account.
	ServiceAccount string
	// JobManager and TaskManager are the pods' resources.
	JobManager, TaskManager PodResources
	// Job, when set, makes this an application deployment.
	Job *DeploymentJob
}

// PodResources are a JobManager's or TaskManager's CPU, memory and (JobManager) replicas.
type PodResources struct {
	// CPU cores, e.g. 1 or 0.5.
	CPU float64
	// Memory in Flink's syntax ("2048m", "2g") or as a Kubernetes quantity ("2Gi").
	Memory string
	// Replicas of the JobManager (more than one needs HA) or a fixed TaskManager count; 0 omits it.
	Replicas int
}

// DeploymentJob is spec.job: the job an application deployment runs and how its state is handled.
type DeploymentJob struct {
	// JarURI is the jar, usually inside the image: local:///opt/flink/usrlib/job.jar.
	JarURI string
	// EntryClass is the main class; "" uses the jar manifest's.
	EntryClass string
	// Args are the job's arguments.
	Args []string
	// Parallelism is the job's parallelism; 0 leaves the configuration's.
	Parallelism int
	// UpgradeMode is stateless (the zero value means it), savepoint or last-state.
	UpgradeMode UpgradeMode
	// Suspended deploys the job in the suspended state (spec.job.state: suspended).
	Suspended bool
	// InitialSavepointPath starts the first deployment from this savepoint.
	InitialSavepointPath string
	// SavepointTriggerNonce: changing it to a new value makes the operator take a savepoint.
	SavepointTriggerNonce int64
	// AllowNonRestoredState skips state that maps to no operator.
	AllowNonRestoredState bool
}

// The manifest's shape, following the CRD.
type fdResource struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   fdMetadata `json:"metadata"`
	Spec       fdSpec     `json:"spec"`
}

type fdMetadata struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
}

type fdSpec struct {
	Image              string            `json:"image"`
	ImagePullPolicy    string            `json:"imagePullPolicy,omitempty"`
	FlinkVersion       string            `json:"flinkVersion"`
	FlinkConfiguration map[string]string `json:"flinkConfiguration,omitempty"`
	ServiceAccount     string            `json:"serviceAccount"`
	JobManager         fdPod             `json:"jobManager"`
	TaskManager        fdPod             `json:"taskManager"`
	Job                *fdJob            `json:"job,omitempty"`
}

type fdPod struct {
	Replicas int         `json:"replicas,omitempty"`
	Resource fdResource2 `json:"resource"`
}

type fdResource2 struct {
	CPU    float64 `json:"cpu,omitempty"`
	Memory string  `json:"memory"`
}

type fdJob struct {
	JarURI                string   `json:"jarURI"`
	EntryClass            string   `json:"entryClass,omitempty"`
	Args                  []string `json:"args,omitempty"`
	Parallelism           int      `json:"parallelism,omitempty"`
	UpgradeMode           string   `json:"upgradeMode"`
	State                 string   `json:"state,omitempty"`
	InitialSavepointPath  string   `json:"initialSavepointPath,omitempty"`
	SavepointTriggerNonce int64    `json:"savepointTriggerNonce,omitempty"`
	AllowNonRestoredState bool     `json:"allowNonRestoredState,omitempty"`
}

var k8sQuantity = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$`)

// Validate checks what the CRD schema cannot: names, the Flink version against the CRD's enum, resources,
// the configuration itself, and the settings each upgrade mode needs.
func (d FlinkDeployment) Validate() error {
	ps := invalid("FlinkDeployment " + d.Name)
	if !check.DNSLabel(d.Name, 45) {
		ps.Add("metadata.name", d.Name, "use a lowercase DNS label of at most 45 characters, e.g. cdc-pipeline")
	}
	if d.Namespace != "" && !check.DNSLabel(d.Namespace, 63) {
		ps.Add("metadata.namespace", d.Namespace, "use a lowercase DNS label")
	}
	if d.Image == "" {
		ps.Add("spec.image", "", "give the Flink image, e.g. flink:1.20")
	}
	v := d.Config.Version.OrDefault()
	if enum := OperatorFlinkVersions(); !slices.Contains(enum, v.OperatorVersion()) {
		ps.Add("spec.flinkVersion", v.OperatorVersion(), "the operator accepts %s", strings.Join(enum, ", "))
	}
	for _, p := range []struct {
		name string
		r    PodResources
	}{{"jobManager", d.JobManager}, {"taskManager", d.TaskManager}} {
		if p.r.Memory == "" {
			ps.Add("spec."+p.name+".resource.memory", "", "the operator needs the pod memory, e.g. 2048m")
		} else if _, err := flinkconf.ParseMemorySize(p.r.Memory); err != nil && !k8sQuantity.MatchString(p.r.Memory) {
			ps.Add("spec."+p.name+".resource.memory", p.r.Memory, "use Flink's syntax (2048m, 2g) or a Kubernetes quantity (2Gi)")
		}
		if p.r.CPU < 0 {
			ps.Add("spec."+p.name+".resource.cpu", strconv.FormatFloat(p.r.CPU, 'g', -1, 64), "CPU is positive")
		}
		if p.r.Replicas < 0 {
			ps.Add("spec."+p.name+".replicas", strconv.Itoa(p.r.Replicas), "replicas are positive (0 omits them)")
		}
	}
	if err := d.Config.Validate(); err != nil {
		ps.Problems = append(ps.Problems, err.(*deploy.ConfigError).Problems...)
	}
	c := d.Config
	haOn := c.HighAvailability.Type != "" && !strings.EqualFold(c.HighAvailability.Type, "none")
	if d.JobManager.Replicas > 1 && !haOn {
		ps.Add("spec.jobManager.replicas", strconv.Itoa(d.JobManager.Replicas), "several JobManagers need high availability (flinkconf.HighAvailability.Type kubernetes and a StorageDir)")
	}
	if j := d.Job; j != nil {
		if j.JarURI == "" {
			ps.Add("spec.job.jarURI", "", "give the jar, e.g. local:///opt/flink/usrlib/job.jar")
		}
		if j.Parallelism < 0 {
			ps.Add("spec.job.parallelism", strconv.Itoa(j.Parallelism), "use 1 or more (0 leaves the configuration's)")
		}
		switch j.UpgradeMode {
		case "", UpgradeStateless:
		case UpgradeSavepoint:
			if c.SavepointDir == "" {
				ps.Add("spec.job.upgradeMode", string(j.UpgradeMode), "savepoint upgrades need a savepoint directory; set Config.SavepointDir")
			}
		case UpgradeLastState:
			if !haOn {
				ps.Add("spec.job.upgradeMode", string(j.UpgradeMode), "last-state upgrades need high availability; set Config.HighAvailability (Type kubernetes, StorageDir)")
			}
			if c.CheckpointDir == "" {
				ps.Add("spec.job.upgradeMode", string(j.UpgradeMode), "last-state upgrades need a checkpoint directory; set Config.CheckpointDir")
			}
		default:
			ps.Add("spec.job.upgradeMode", string(j.UpgradeMode), "use stateless, savepoint or last-state")
		}
	}
	return ps.Err()
}

func (d FlinkDeployment) resource() (fdResource, error) {
	conf, err := d.Config.Map()
	if err != nil {
		return fdResource{}, err
	}
	sa := d.ServiceAccount
	if sa == "" {
		sa = "flink"
	}
	r := fdResource{
		APIVersion: "flink.apache.org/v1beta1",
		Kind:       "FlinkDeployment",
		Metadata:   fdMetadata{Name: d.Name, Namespace: d.Namespace, Labels: d.Labels},
		Spec: fdSpec{
			Image: d.Image, ImagePullPolicy: d.ImagePullPolicy,
			FlinkVersion:       d.Config.Version.OperatorVersion(),
			FlinkConfiguration: conf,
			ServiceAccount:     sa,
			JobManager:         fdPod{Replicas: d.JobManager.Replicas, Resource: fdResource2{CPU: d.JobManager.CPU, Memory: d.JobManager.Memory}},
			TaskManager:        fdPod{Replicas: d.TaskManager.Replicas, Resource: fdResource2{CPU: d.TaskManager.CPU, Memory: d.TaskManager.Memory}},
		},
	}
	if j := d.Job; j != nil {
		mode := j.UpgradeMode
		if mode == "" {
			mode = UpgradeStateless
		}
		r.Spec.Job = &fdJob{JarURI: j.JarURI, EntryClass: j.EntryClass, Args: j.Args, Parallelism: j.Parallelism,
			UpgradeMode: string(mode), InitialSavepointPath: j.InitialSavepointPath,
			SavepointTriggerNonce: j.SavepointTriggerNonce, AllowNonRestoredState: j.AllowNonRestoredState}
		if j.Suspended {
			r.Spec.Job.State = "suspended"
		}
	}
	return r, nil
}

// Render validates the deployment, writes it as YAML and checks the YAML against the operator's CRD schema.
// The File's Path is "<name>.flinkdeployment.yaml".
func (d FlinkDeployment) Render() (deploy.File, error) {
	if err := d.Validate(); err != nil {
		return deploy.File{}, err
	}
	r, err := d.resource()
	if err != nil {
		return deploy.File{}, err
	}
	data, err := yaml.Marshal(r)
	if err != nil {
		return deploy.File{}, fmt.Errorf("k8s: encoding FlinkDeployment: %w", err)
	}
	if err := ValidateFlinkDeploymentYAML(data); err != nil {
		return deploy.File{}, err
	}
	return deploy.File{Path: d.Name + ".flinkdeployment.yaml", Mode: deploy.ConfigFileMode, Data: data}, nil
}

// ParseFlinkDeployment reads a FlinkDeployment manifest back (strictly: unknown fields are errors). The
// configuration comes back through [flinkconf.Parse]'s key mapping, so typed keys fill typed fields.
func ParseFlinkDeployment(data []byte) (FlinkDeployment, error) {
	var r fdResource
	if err := yaml.UnmarshalStrict(data, &r); err != nil {
		return FlinkDeployment{}, fmt.Errorf("k8s: reading FlinkDeployment: %w", err)
	}
	if r.APIVersion != "flink.apache.org/v1beta1" || r.Kind != "FlinkDeployment" {
		return FlinkDeployment{}, fmt.Errorf("k8s: %s %s is not a flink.apache.org/v1beta1 FlinkDeployment", r.APIVersion, r.Kind)
	}
	v, err := flinkconf.ParseVersion(r.Spec.FlinkVersion)
	if err != nil {
		return FlinkDeployment{}, err
	}
	cfg, err := flinkconf.FromMap(v, r.Spec.FlinkConfiguration)
	if err != nil {
		return FlinkDeployment{}, err
	}
	d := FlinkDeployment{
		Name: r.Metadata.Name, Namespace: r.Metadata.Namespace, Labels: r.Metadata.Labels,
		Image: r.Spec.Image, ImagePullPolicy: r.Spec.ImagePullPolicy, Config: cfg, ServiceAccount: r.Spec.ServiceAccount,
		JobManager:  PodResources{CPU: r.Spec.JobManager.Resource.CPU, Memory: r.Spec.JobManager.Resource.Memory, Replicas: r.Spec.JobManager.Replicas},
		TaskManager: PodResources{CPU: r.Spec.TaskManager.Resource.CPU, Memory: r.Spec.TaskManager.Resource.Memory, Replicas: r.Spec.TaskManager.Replicas},
	}
	if j := r.Spec.Job; j != nil {
		d.Job = &DeploymentJob{JarURI: j.JarURI, EntryClass: j.EntryClass, Args: j.Args, Parallelism: j.Parallelism,
			UpgradeMode: UpgradeMode(j.UpgradeMode), Suspended: j.State == "suspended", InitialSavepointPath: j.InitialSavepointPath,
			SavepointTriggerNonce: j.SavepointTriggerNonce, AllowNonRestoredState: j.AllowNonRestoredState}
	}
	return d, nil
}
