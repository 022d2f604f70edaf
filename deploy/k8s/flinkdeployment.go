package k8s

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
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

// Mode is how the operator runs Flink's processes (spec.mode).
type Mode string

// The operator's deployment modes.
const (
	// ModeNative lets Flink's own Kubernetes integration create the TaskManager pods (the operator's default).
	ModeNative Mode = "native"
	// ModeStandalone has the operator create every pod; Flink never talks to the Kubernetes API itself.
	ModeStandalone Mode = "standalone"
)

// The names the operator accepts in spec.logConfiguration: Log4j 2 and Logback console configurations.
const (
	Log4jConsoleProperties = "log4j-console.properties"
	LogbackConsoleXML      = "logback-console.xml"
)

// FlinkDeployment is a FlinkDeployment custom resource (flink.apache.org/v1beta1) for the Flink Kubernetes
// Operator: an application cluster when Job is set, a session cluster otherwise. [FlinkDeployment.Render]
// checks it and then validates the YAML against the operator's CRD schema before returning it.
type FlinkDeployment struct {
	// Name and Namespace are the resource's metadata.name and metadata.namespace ("" leaves the namespace to
	// kubectl's context). Name is a DNS label of at most 45 characters (Flink derives Service names from it);
	// Namespace one of at most 63.
	Name, Namespace string
	// Labels are metadata.labels and Annotations metadata.annotations, under Kubernetes' rules for keys
	// ([prefix/]name, name at most 63 characters) and label values (at most 63 characters).
	Labels, Annotations map[string]string
	// Image is the Flink image, with the job jar inside for application deployments.
	Image string
	// ImagePullPolicy is spec.imagePullPolicy: Always, IfNotPresent or Never ("" leaves Kubernetes' default).
	ImagePullPolicy string
	// Config is spec.flinkConfiguration; its Version is spec.flinkVersion.
	Config flinkconf.Config
	// ServiceAccount runs the JobManager; it needs rights to manage pods. "" means "flink", the operator Helm
	// chart's account.
	ServiceAccount string
	// Mode is spec.mode; "" leaves the operator's default, native.
	Mode Mode
	// PodTemplate is spec.podTemplate, the base of every Flink pod, as the YAML of a Pod template
	// (apiVersion: v1, kind: Pod, metadata, spec), e.g. to mount volumes or add a sidecar. The operator's
	// CRD schema checks it field by field. JobManager.PodTemplate and TaskManager.PodTemplate refine it.
	PodTemplate string
	// JobManager and TaskManager are the pods' resources and templates.
	JobManager, TaskManager PodResources
	// Ingress, when set, exposes the JobManager's REST API and web UI (spec.ingress).
	Ingress *Ingress
	// LogConfiguration is spec.logConfiguration: the content of log4j-console.properties or
	// logback-console.xml, by that file name, replacing the image's.
	LogConfiguration map[string]string
	// Job, when set, makes this an application deployment.
	Job *DeploymentJob
}

// PodResources are a JobManager's or TaskManager's CPU, memory, replicas and pod template.
type PodResources struct {
	// CPU cores, e.g. 1 or 0.5; 0 leaves the operator's default.
	CPU float64
	// Memory in Flink's syntax ("2048m", "2g") or as a Kubernetes quantity ("2Gi"). The operator makes it the
	// process size (jobmanager.memory.process.size or taskmanager.memory.process.size), so it must hold
	// Flink's fixed memory components.
	Memory string
	// Replicas of the JobManager (more than one needs HA) or a fixed TaskManager count; 0 omits it.
	Replicas int
	// PodTemplate is this component's spec.jobManager.podTemplate or spec.taskManager.podTemplate: Pod
	// template YAML merged over FlinkDeployment.PodTemplate.
	PodTemplate string
}

// Ingress is spec.ingress: an Ingress the operator creates for the JobManager's REST endpoint.
type Ingress struct {
	// Template is the host and/or path, with {{name}} and {{namespace}} replaced by the deployment's:
	// "{{name}}.{{namespace}}.flink.example.com" or "flink.example.com/{{namespace}}/{{name}}(/|$)(.*)".
	Template string
	// ClassName is the IngressClass, e.g. nginx; "" uses the cluster's default.
	ClassName string
	// Annotations and Labels are put on the Ingress.
	Annotations, Labels map[string]string
	// TLS lists the hosts served over TLS and the Secret with their certificate.
	TLS []IngressTLS
}

// IngressTLS is one spec.ingress.tls entry.
type IngressTLS struct {
	// Hosts are the host names the certificate covers.
	Hosts []string
	// SecretName is the Secret holding the certificate and key.
	SecretName string
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
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type fdSpec struct {
	Image              string            `json:"image"`
	ImagePullPolicy    string            `json:"imagePullPolicy,omitempty"`
	FlinkVersion       string            `json:"flinkVersion"`
	FlinkConfiguration map[string]string `json:"flinkConfiguration,omitempty"`
	ServiceAccount     string            `json:"serviceAccount"`
	Mode               string            `json:"mode,omitempty"`
	PodTemplate        map[string]any    `json:"podTemplate,omitempty"`
	JobManager         fdPod             `json:"jobManager"`
	TaskManager        fdPod             `json:"taskManager"`
	Ingress            *fdIngress        `json:"ingress,omitempty"`
	LogConfiguration   map[string]string `json:"logConfiguration,omitempty"`
	Job                *fdJob            `json:"job,omitempty"`
}

type fdPod struct {
	Replicas    int            `json:"replicas,omitempty"`
	Resource    fdPodResource  `json:"resource"`
	PodTemplate map[string]any `json:"podTemplate,omitempty"`
}

type fdPodResource struct {
	CPU    float64 `json:"cpu,omitempty"`
	Memory string  `json:"memory"`
}

type fdIngress struct {
	Template    string            `json:"template"`
	ClassName   string            `json:"className,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	TLS         []fdIngressTLS    `json:"tls,omitempty"`
}

type fdIngressTLS struct {
	Hosts      []string `json:"hosts,omitempty"`
	SecretName string   `json:"secretName,omitempty"`
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

// Validate checks what the CRD schema cannot, before anything is encoded: names, labels and annotations by
// Kubernetes' own rules, the image, its pull policy and the service account, the Flink version against the
// CRD's enum, pod resources (finite CPU, memory large enough for Flink's fixed components), pod templates,
// ingress and log configuration, the configuration itself, the settings each upgrade mode needs, and the
// operator's own admission rules (keys it sets itself, a parallelism to size TaskManagers from, directories for
// savepoints). It ends by checking the encoded resource against the CRD schema, so a deployment that validates
// renders.
func (d FlinkDeployment) Validate() error {
	ps := invalid("FlinkDeployment " + d.Name)
	d.checkMetadata(ps)
	d.checkImageAndAccount(ps)
	v := d.Config.Version.OrDefault()
	if enum := OperatorFlinkVersions(); !slices.Contains(enum, v.OperatorVersion()) {
		ps.Add("spec.flinkVersion", v.OperatorVersion(), "the operator accepts %s", strings.Join(enum, ", "))
	}
	switch d.Mode {
	case "", ModeNative, ModeStandalone:
	default:
		ps.Add("spec.mode", string(d.Mode), "use native or standalone (\"\" leaves the operator's default, native)")
	}
	checkPodTemplate(ps, "spec.podTemplate", d.PodTemplate)
	d.checkPods(ps)
	d.checkIngress(ps)
	for _, name := range slices.Sorted(maps.Keys(d.LogConfiguration)) {
		if name != Log4jConsoleProperties && name != LogbackConsoleXML {
			ps.Add("spec.logConfiguration", name, "the operator reads only %s and %s", Log4jConsoleProperties, LogbackConsoleXML)
		} else if strings.TrimSpace(d.LogConfiguration[name]) == "" {
			ps.Add("spec.logConfiguration."+name, "", "give the file's content, or leave the entry out to keep the image's")
		}
	}
	if err := d.Config.Validate(); err != nil {
		ps.Problems = append(ps.Problems, err.(*deploy.ConfigError).Problems...)
	}
	d.checkJob(ps)
	if err := ps.Err(); err != nil {
		return err
	}
	// What the field checks cannot see (a pod template's fields) the CRD schema does, on the encoded resource.
	data, err := d.encode()
	if err != nil {
		return err
	}
	return ValidateFlinkDeploymentYAML(data)
}

// encode writes the resource as YAML, without validating it.
func (d FlinkDeployment) encode() ([]byte, error) {
	r, err := d.resource()
	if err != nil {
		return nil, err
	}
	data, err := yaml.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("k8s: encoding FlinkDeployment: %w", err)
	}
	return data, nil
}

func (d FlinkDeployment) checkMetadata(ps *deploy.ConfigError) {
	if !check.DNSLabel(d.Name, 45) {
		ps.Add("metadata.name", d.Name, "use a lowercase DNS label of at most 45 characters (Flink derives Service names from it), e.g. cdc-pipeline")
	}
	if d.Namespace != "" {
		for _, msg := range validation.IsDNS1123Label(d.Namespace) {
			ps.Add("metadata.namespace", d.Namespace, "Kubernetes refuses this namespace: %s", msg)
		}
	}
	checkLabels(ps, "metadata.labels", d.Labels)
	checkAnnotations(ps, "metadata.annotations", d.Annotations)
}

// checkLabels applies Kubernetes' label rules: qualified-name keys, values of at most 63 characters.
func checkLabels(ps *deploy.ConfigError, field string, labels map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		for _, msg := range validation.IsQualifiedName(k) {
			ps.Add(field, k, "Kubernetes refuses this label key: %s", msg)
		}
		for _, msg := range validation.IsValidLabelValue(labels[k]) {
			ps.Add(field+"."+k, labels[k], "Kubernetes refuses this label value: %s", msg)
		}
	}
}

// checkAnnotations applies Kubernetes' rule for annotation keys (qualified names, compared in lower case).
func checkAnnotations(ps *deploy.ConfigError, field string, annotations map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(annotations)) {
		for _, msg := range validation.IsQualifiedName(strings.ToLower(k)) {
			ps.Add(field, k, "Kubernetes refuses this annotation key: %s", msg)
		}
	}
}

func (d FlinkDeployment) checkImageAndAccount(ps *deploy.ConfigError) {
	switch {
	case d.Image == "":
		ps.Add("spec.image", "", "give the Flink image, e.g. flink:1.20")
	case strings.IndexFunc(d.Image, unicode.IsSpace) >= 0:
		ps.Add("spec.image", d.Image, "an image reference has no spaces (Kubernetes refuses leading and trailing ones); e.g. %s", strings.Join(strings.Fields(d.Image), ""))
	}
	switch d.ImagePullPolicy {
	case "", "Always", "IfNotPresent", "Never":
	default:
		ps.Add("spec.imagePullPolicy", d.ImagePullPolicy, "Kubernetes accepts Always, IfNotPresent or Never (\"\" leaves its default)")
	}
	if d.ServiceAccount != "" {
		for _, msg := range validation.IsDNS1123Subdomain(d.ServiceAccount) {
			ps.Add("spec.serviceAccount", d.ServiceAccount, "Kubernetes refuses this service account name: %s", msg)
		}
	}
}

func (d FlinkDeployment) checkPods(ps *deploy.ConfigError) {
	fineMemory := func(prefix string) bool {
		for k := range d.Config.Extra {
			if strings.HasPrefix(k, prefix) {
				return true
			}
		}
		return false
	}
	for _, p := range []struct {
		name, configField, prefix string
		configValue               string
		r                         PodResources
		fits                      func(flinkconf.MemorySize) string
	}{
		{"jobManager", "JobManagerMemory", "jobmanager.memory.", d.Config.JobManagerMemory, d.JobManager, flinkconf.JobManagerProcessFits},
		{"taskManager", "TaskManagerMemory", "taskmanager.memory.", d.Config.TaskManagerMemory, d.TaskManager, flinkconf.TaskManagerProcessFits},
	} {
		field := "spec." + p.name + ".resource."
		if p.r.Memory == "" {
			ps.Add(field+"memory", "", "the operator needs the pod memory, e.g. 2048m")
		} else if size, ok := podMemory(p.r.Memory); !ok {
			ps.Add(field+"memory", p.r.Memory, "use Flink's syntax (2048m, 2g) or a Kubernetes quantity (2Gi)")
		} else if fix := p.fits(size); fix != "" && !fineMemory(p.prefix) {
			ps.Add(field+"memory", p.r.Memory, "the operator makes this the %sprocess.size: %s", p.prefix, fix)
		}
		if p.configValue != "" {
			ps.Add("Config."+p.configField, p.configValue, "the operator sets %sprocess.size from %smemory; set the size there and leave Config.%s empty", p.prefix, field, p.configField)
		}
		switch cpu := p.r.CPU; {
		case math.IsNaN(cpu) || math.IsInf(cpu, 0):
			ps.Add(field+"cpu", strconv.FormatFloat(cpu, 'g', -1, 64), "give a finite number of cores, e.g. 1 or 0.5")
		case cpu < 0:
			ps.Add(field+"cpu", strconv.FormatFloat(cpu, 'g', -1, 64), "CPU is positive (0 leaves the operator's default)")
		}
		if p.r.Replicas < 0 {
			ps.Add("spec."+p.name+".replicas", strconv.Itoa(p.r.Replicas), "replicas are positive (0 omits them)")
		}
		checkPodTemplate(ps, "spec."+p.name+".podTemplate", p.r.PodTemplate)
	}
}

// podMemory reads a pod memory the way the operator does (FlinkConfigBuilder.parseResourceMemoryString): Flink's
// memory syntax first ("2048m" is 2048 MiB, not 2.048 bytes), then, with spaces dropped, letters upper-cased,
// a trailing B dropped and a trailing I written i, a Kubernetes quantity ("2Gi", "1.5 GiB", "1.5g"). The
// result must be a whole number of bytes, which Flink's process size needs.
func podMemory(text string) (flinkconf.MemorySize, bool) {
	if size, err := flinkconf.ParseMemorySize(text); err == nil {
		return size, true
	}
	quantity := strings.ToUpper(strings.Join(strings.Fields(text), ""))
	quantity = strings.TrimSuffix(quantity, "B")
	if strings.HasSuffix(quantity, "I") {
		quantity = strings.TrimSuffix(quantity, "I") + "i"
	}
	q, err := resource.ParseQuantity(quantity)
	if err != nil || q.Sign() < 0 || q.MilliValue() != q.Value()*1000 {
		return 0, false
	}
	return flinkconf.MemorySize(q.Value()), true
}

// checkPodTemplate checks that a pod template is a YAML mapping; the CRD schema checks its fields.
func checkPodTemplate(ps *deploy.ConfigError, field, text string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	if _, err := podTemplateMap(text); err != nil {
		ps.Add(field, "", "%v", err)
	}
}

func podTemplateMap(text string) (map[string]any, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	var m map[string]any
	if err := yaml.Unmarshal([]byte(text), &m); err != nil {
		return nil, fmt.Errorf("write the YAML of a Pod template (apiVersion: v1, kind: Pod, metadata, spec): %v", err)
	}
	if m == nil {
		return nil, fmt.Errorf("write the YAML of a Pod template (apiVersion: v1, kind: Pod, metadata, spec)")
	}
	return m, nil
}

func (d FlinkDeployment) checkIngress(ps *deploy.ConfigError) {
	in := d.Ingress
	if in == nil {
		return
	}
	if strings.TrimSpace(in.Template) == "" {
		ps.Add("spec.ingress.template", "", "give the host and/or path, e.g. {{name}}.{{namespace}}.flink.example.com or /{{namespace}}/{{name}}(/|$)(.*)")
	} else {
		ns := d.Namespace
		if ns == "" {
			ns = "default"
		}
		expanded := strings.NewReplacer("{{name}}", d.Name, "{{namespace}}", ns).Replace(in.Template)
		if host, _, _ := strings.Cut(expanded, "/"); host != "" {
			for _, msg := range validation.IsDNS1123Subdomain(host) {
				ps.Add("spec.ingress.template", in.Template, "Kubernetes refuses the host %q: %s", host, msg)
			}
		}
	}
	if in.ClassName != "" {
		for _, msg := range validation.IsDNS1123Subdomain(in.ClassName) {
			ps.Add("spec.ingress.className", in.ClassName, "Kubernetes refuses this IngressClass name: %s", msg)
		}
	}
	checkLabels(ps, "spec.ingress.labels", in.Labels)
	checkAnnotations(ps, "spec.ingress.annotations", in.Annotations)
	for i, tls := range in.TLS {
		field := fmt.Sprintf("spec.ingress.tls.%d", i)
		for _, h := range tls.Hosts {
			if len(validation.IsDNS1123Subdomain(h)) > 0 && len(validation.IsWildcardDNS1123Subdomain(h)) > 0 {
				ps.Add(field+".hosts", h, "Kubernetes: a TLS host is a DNS name such as flink.example.com or *.example.com")
			}
		}
		if tls.SecretName != "" {
			for _, msg := range validation.IsDNS1123Subdomain(tls.SecretName) {
				ps.Add(field+".secretName", tls.SecretName, "Kubernetes refuses this Secret name: %s", msg)
			}
		}
	}
}

// forbiddenKeys are the options the operator sets itself and refuses in flinkConfiguration
// (DefaultValidator.FORBIDDEN_CONF_KEYS): the namespace and cluster id come from the resource's metadata.
var forbiddenKeys = []string{"kubernetes.namespace", "kubernetes.cluster-id", "high-availability.cluster-id"}

func (d FlinkDeployment) checkJob(ps *deploy.ConfigError) {
	c := d.Config
	for _, k := range forbiddenKeys {
		if v, set := c.Extra[k]; set {
			ps.Add(k, v, "the operator sets it from the resource's name and namespace and refuses it in flinkConfiguration; remove it from Config.Extra")
		}
	}
	if c.HighAvailability.ClusterID != "" {
		ps.Add("high-availability.cluster-id", c.HighAvailability.ClusterID, "the operator sets it from the resource's name and refuses it in flinkConfiguration; leave Config.HighAvailability.ClusterID empty")
	}
	haOn := c.HighAvailability.Type != "" && !strings.EqualFold(c.HighAvailability.Type, "none")
	if d.JobManager.Replicas > 1 && !haOn {
		ps.Add("spec.jobManager.replicas", strconv.Itoa(d.JobManager.Replicas), "several JobManagers need high availability (Config.HighAvailability.Type kubernetes and a StorageDir)")
	}
	j := d.Job
	if j == nil {
		return
	}
	if j.JarURI == "" {
		ps.Add("spec.job.jarURI", "", "give the jar, e.g. local:///opt/flink/usrlib/job.jar")
	}
	if j.Parallelism < 1 && d.TaskManager.Replicas == 0 {
		ps.Add("spec.job.parallelism", strconv.Itoa(j.Parallelism), "the operator sizes the TaskManagers from the job's parallelism; use 1 or more (or set TaskManager.Replicas)")
	} else if j.Parallelism < 0 {
		ps.Add("spec.job.parallelism", strconv.Itoa(j.Parallelism), "use 1 or more (0 leaves the configuration's)")
	}
	if j.SavepointTriggerNonce != 0 && c.SavepointDir == "" {
		ps.Add("spec.job.savepointTriggerNonce", strconv.FormatInt(j.SavepointTriggerNonce, 10), "the operator takes savepoints into the savepoint directory; set Config.SavepointDir")
	}
	switch j.UpgradeMode {
	case "", UpgradeStateless:
	case UpgradeSavepoint:
		if c.SavepointDir == "" {
			ps.Add("spec.job.upgradeMode", string(j.UpgradeMode), "savepoint upgrades need a savepoint directory; set Config.SavepointDir")
		}
		if c.CheckpointDir == "" {
			ps.Add("spec.job.upgradeMode", string(j.UpgradeMode), "the operator needs a checkpoint directory for savepoint upgrades too; set Config.CheckpointDir")
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
		Metadata:   fdMetadata{Name: d.Name, Namespace: d.Namespace, Labels: d.Labels, Annotations: d.Annotations},
		Spec: fdSpec{
			Image: d.Image, ImagePullPolicy: d.ImagePullPolicy,
			FlinkVersion:       d.Config.Version.OperatorVersion(),
			FlinkConfiguration: conf,
			ServiceAccount:     sa,
			Mode:               string(d.Mode),
			LogConfiguration:   d.LogConfiguration,
		},
	}
	if r.Spec.PodTemplate, err = podTemplateMap(d.PodTemplate); err != nil {
		return fdResource{}, err
	}
	if r.Spec.JobManager, err = podSpec(d.JobManager); err != nil {
		return fdResource{}, err
	}
	if r.Spec.TaskManager, err = podSpec(d.TaskManager); err != nil {
		return fdResource{}, err
	}
	if in := d.Ingress; in != nil {
		r.Spec.Ingress = &fdIngress{Template: in.Template, ClassName: in.ClassName, Annotations: in.Annotations, Labels: in.Labels}
		for _, t := range in.TLS {
			r.Spec.Ingress.TLS = append(r.Spec.Ingress.TLS, fdIngressTLS(t))
		}
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

func podSpec(p PodResources) (fdPod, error) {
	tmpl, err := podTemplateMap(p.PodTemplate)
	return fdPod{Replicas: p.Replicas, Resource: fdPodResource{CPU: p.CPU, Memory: p.Memory}, PodTemplate: tmpl}, err
}

// Render validates the deployment, writes it as YAML and checks the YAML against the operator's CRD schema.
// The File's Path is "<name>.flinkdeployment.yaml".
func (d FlinkDeployment) Render() (deploy.File, error) {
	if err := d.Validate(); err != nil {
		return deploy.File{}, err
	}
	data, err := d.encode()
	if err != nil {
		return deploy.File{}, err
	}
	return deploy.File{Path: d.Name + ".flinkdeployment.yaml", Mode: deploy.ConfigFileMode, Data: data}, nil
}

// ParseFlinkDeployment reads a FlinkDeployment manifest back. The manifest is first held to the CRD schema
// as the API server holds it ([ValidateFlinkDeploymentYAML]: unknown fields are errors and field names are
// case-sensitive, which Go's JSON decoding alone is not). The configuration comes back through
// [flinkconf.FromMap]'s key mapping, so typed keys fill typed fields.
func ParseFlinkDeployment(data []byte) (FlinkDeployment, error) {
	if err := ValidateFlinkDeploymentYAML(data); err != nil {
		return FlinkDeployment{}, err
	}
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
		Name: r.Metadata.Name, Namespace: r.Metadata.Namespace, Labels: r.Metadata.Labels, Annotations: r.Metadata.Annotations,
		Image: r.Spec.Image, ImagePullPolicy: r.Spec.ImagePullPolicy, Config: cfg, ServiceAccount: r.Spec.ServiceAccount,
		Mode: Mode(r.Spec.Mode), LogConfiguration: r.Spec.LogConfiguration,
	}
	if d.PodTemplate, err = podTemplateText(r.Spec.PodTemplate); err != nil {
		return FlinkDeployment{}, err
	}
	for _, p := range []struct {
		from fdPod
		to   *PodResources
	}{{r.Spec.JobManager, &d.JobManager}, {r.Spec.TaskManager, &d.TaskManager}} {
		*p.to = PodResources{CPU: p.from.Resource.CPU, Memory: p.from.Resource.Memory, Replicas: p.from.Replicas}
		if p.to.PodTemplate, err = podTemplateText(p.from.PodTemplate); err != nil {
			return FlinkDeployment{}, err
		}
	}
	if in := r.Spec.Ingress; in != nil {
		d.Ingress = &Ingress{Template: in.Template, ClassName: in.ClassName, Annotations: in.Annotations, Labels: in.Labels}
		for _, t := range in.TLS {
			d.Ingress.TLS = append(d.Ingress.TLS, IngressTLS(t))
		}
	}
	if j := r.Spec.Job; j != nil {
		d.Job = &DeploymentJob{JarURI: j.JarURI, EntryClass: j.EntryClass, Args: j.Args, Parallelism: j.Parallelism,
			UpgradeMode: UpgradeMode(j.UpgradeMode), Suspended: j.State == "suspended", InitialSavepointPath: j.InitialSavepointPath,
			SavepointTriggerNonce: j.SavepointTriggerNonce, AllowNonRestoredState: j.AllowNonRestoredState}
	}
	return d, nil
}

// podTemplateText writes a decoded pod template back as YAML (keys sorted, as sigs.k8s.io/yaml writes them).
func podTemplateText(m map[string]any) (string, error) {
	if m == nil {
		return "", nil
	}
	b, err := yaml.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("k8s: encoding a pod template: %w", err)
	}
	return string(b), nil
}
