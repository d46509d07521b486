package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DeviceOptions places a DB object on devices, as SmartSim's device, devices_per_node, first_device.
type DeviceOptions struct {
	Device         string // "CPU" or "GPU" (or "GPU:1"...); default "CPU"
	DevicesPerNode int    // default 1
	FirstDevice    int    // default 0
}

// MLModel is a model to store in the database (AI.MODELSTORE) before the entity runs.
type MLModel struct {
	Name            string
	Backend         string // upper-cased: TF, TORCH, ONNX
	Model           []byte // in-memory blob (wins over ModelPath when both are given, as SmartSim)
	ModelPath       string // absolute
	Devices         []string
	DeviceOptions   DeviceOptions
	BatchSize       int
	MinBatchSize    int
	MinBatchTimeout int
	Tag             string
	Inputs          []string
	Outputs         []string
}

// Script is a script or a function to store in the database (AI.SCRIPTSTORE). A function carries its
// own source in Script and IsFunction is set.
type Script struct {
	Name          string
	Script        string
	ScriptPath    string // absolute
	IsFunction    bool
	Devices       []string
	DeviceOptions DeviceOptions
}

// MLModelArgs are add_ml_model's arguments.
type MLModelArgs struct {
	Name            string
	Backend         string
	Model           []byte
	ModelPath       string
	Device          DeviceOptions
	BatchSize       int
	MinBatchSize    int
	MinBatchTimeout int
	Tag             string
	Inputs          []string
	Outputs         []string
}

// ScriptArgs are add_script's and add_function's arguments (Function set for add_function).
type ScriptArgs struct {
	Name       string
	Script     string
	ScriptPath string
	Function   string // a function's source, for add_function
	Device     DeviceOptions
}

var validBackends = []string{"TF", "TORCH", "ONNX"}

// NewMLModel validates add_ml_model arguments in SmartSim's order: file, device, CPU count, CPU first
// device, device number with several devices, backend, model or path. cwd resolves a relative path.
func NewMLModel(cwd string, a MLModelArgs) (*MLModel, error) {
	path, err := checkDBObjectFile(cwd, a.ModelPath)
	if err != nil {
		return nil, err
	}
	devices, err := checkDevice(a.Device)
	if err != nil {
		return nil, err
	}
	backend := strings.ToUpper(a.Backend)
	if !contains(validBackends, backend) {
		return nil, Errorf(ValueError, "Backend type %s unsupported. Options are [%s]", backend, quoteJoin(validBackends))
	}
	if len(a.Model) == 0 && a.ModelPath == "" {
		return nil, Errorf(ValueError, "Either model or model_file must be provided")
	}
	return &MLModel{Name: a.Name, Backend: backend, Model: a.Model, ModelPath: path, Devices: devices,
		DeviceOptions: a.Device, BatchSize: a.BatchSize, MinBatchSize: a.MinBatchSize,
		MinBatchTimeout: a.MinBatchTimeout, Tag: a.Tag, Inputs: a.Inputs, Outputs: a.Outputs}, nil
}

// NewScript validates add_script / add_function arguments in SmartSim's order.
func NewScript(cwd string, a ScriptArgs) (*Script, error) {
	path, err := checkDBObjectFile(cwd, a.ScriptPath)
	if err != nil {
		return nil, err
	}
	devices, err := checkDevice(a.Device)
	if err != nil {
		return nil, err
	}
	s := &Script{Name: a.Name, Script: a.Script, ScriptPath: path, Devices: devices, DeviceOptions: a.Device}
	if a.Function != "" {
		s.Script, s.IsFunction = a.Function, true
	}
	if s.Script == "" && s.ScriptPath == "" {
		return nil, Errorf(ValueError, "Either script or script_path must be provided")
	}
	return s, nil
}

func checkDBObjectFile(cwd, p string) (string, error) {
	if p == "" {
		return "", nil
	}
	abs := p
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(cwd, p)
	}
	if st, err := os.Stat(abs); err != nil || st.IsDir() {
		return "", Errorf(FileNotFoundError, "%s", abs)
	}
	return filepath.Clean(abs), nil
}

// checkDevice validates device options and expands "GPU" with several devices per node into
// GPU:first..GPU:first+n-1, as SmartSim.
func checkDevice(d DeviceOptions) ([]string, error) {
	if d.Device == "" {
		d.Device = "CPU"
	}
	if d.DevicesPerNode == 0 {
		d.DevicesPerNode = 1
	}
	lower := strings.ToLower(d.Device)
	if !strings.HasPrefix(lower, "cpu") && !strings.HasPrefix(lower, "gpu") {
		return nil, Errorf(ValueError, "Device argument must start with either CPU or GPU")
	}
	isCPU := strings.HasPrefix(lower, "cpu")
	if isCPU && d.DevicesPerNode > 1 {
		return nil, Errorf(SSUnsupportedError, "Cannot set devices_per_node>1 if CPU is specified under devices")
	}
	if isCPU && d.FirstDevice > 0 {
		return nil, Errorf(SSUnsupportedError, "Cannot set first_device>0 if CPU is specified under devices")
	}
	if d.DevicesPerNode > 1 && strings.Contains(d.Device, ":") {
		return nil, Errorf(ValueError, "Cannot set devices_per_node>1 if a device numeral is specified, the device was set to %s and devices_per_node==%d", d.Device, d.DevicesPerNode)
	}
	if d.Device == "GPU" && d.DevicesPerNode > 1 {
		devs := make([]string, d.DevicesPerNode)
		for i := range devs {
			devs[i] = fmt.Sprintf("GPU:%d", d.FirstDevice+i)
		}
		return devs, nil
	}
	return []string{d.Device}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func quoteJoin(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = "'" + s + "'"
	}
	return strings.Join(q, ", ")
}
