package runtime

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// UserStrategy is a callable permutation strategy: given the parameter names, each parameter's candidate
// values (as strings) and n_models, it returns one Params per member. The adapter wraps a script
// callable and reports a return value that is not a list of dicts as UserStrategyErr(name).
type UserStrategy func(names []string, values [][]string, nModels int) ([]Params, error)

// Strategy selects how parameters expand into members: Name is "all_perm", "step" or "random", or User is
// set (Name then names the callable for error messages).
type Strategy struct {
	Name string
	User UserStrategy
}

// UserStrategyErr is SmartSim's UserStrategyError for a callable strategy that failed or returned
// something other than a list of dicts.
func UserStrategyErr(name string) error {
	// SmartSim's text, word for word (smartsim/error/errors.py).
	return Errorf(UserStrategyError, "User provided ensemble generation strategy %s failed to generate valid parameter names and values", name)
}

// expandParams runs the strategy over the ensemble's params. rng drives "random".
func expandParams(specs []ParamSpec, strat Strategy, nModels int, rng *rand.Rand) ([]Params, error) {
	names := make([]string, len(specs))
	values := make([][]string, len(specs))
	scalar := make([]bool, len(specs))
	for i, s := range specs {
		v, err := paramValuesOf(s.Value)
		if err != nil {
			return nil, err
		}
		names[i], values[i], scalar[i] = s.Name, v, s.Value.Kind != KindList
	}
	if strat.User != nil {
		sets, err := strat.User(names, values, nModels)
		if err != nil {
			return nil, err
		}
		return sets, nil
	}
	switch strat.Name {
	case "all_perm":
		return allPerm(names, values), nil
	case "step":
		return stepZip(names, values, scalar)
	case "random":
		return random(names, values, nModels, rng), nil
	}
	return nil, Errorf(SSUnsupportedError, "Permutation strategy given is not supported: %s", strat.Name)
}

// allPerm is the Cartesian product in key order with the last key varying fastest; an empty value list
// yields no members.
func allPerm(names []string, values [][]string) []Params {
	sets := []Params{{}}
	for i, name := range names {
		next := make([]Params, 0, len(sets)*len(values[i]))
		for _, set := range sets {
			for _, v := range values[i] {
				next = append(next, append(set.Clone(), Param{Key: name, Value: v}))
			}
		}
		sets = next
	}
	if len(names) == 0 {
		return nil
	}
	return sets
}

// stepZip zips the lists. Unlike SmartSim it refuses lists of different lengths instead of silently
// truncating (docs/design.md §4); scalars are broadcast to the common length.
func stepZip(names []string, values [][]string, scalar []bool) ([]Params, error) {
	n := -1
	var lens []string
	for i := range names {
		if scalar[i] {
			continue
		}
		lens = append(lens, names[i]+"="+strconv.Itoa(len(values[i])))
		if n == -1 {
			n = len(values[i])
		} else if n != len(values[i]) {
			n = -2
		}
	}
	if n == -2 {
		return nil, Errorf(ValueError, "step strategy needs parameter lists of equal length, got %s", strings.Join(lens, ", "))
	}
	if n == -1 {
		n = 1
	}
	sets := make([]Params, n)
	for j := range sets {
		for i, name := range names {
			v := values[i][0]
			if !scalar[i] {
				v = values[i][j]
			}
			sets[j] = append(sets[j], Param{Key: name, Value: v})
		}
	}
	return sets, nil
}

// random samples n_models of the permutations without replacement with the seeded rng, or returns all of
// them in all_perm order when n_models is 0 or not smaller than their number (as SmartSim).
func random(names []string, values [][]string, nModels int, rng *rand.Rand) []Params {
	perms := allPerm(names, values)
	if nModels <= 0 || nModels >= len(perms) {
		return perms
	}
	idx := rng.Perm(len(perms))[:nModels]
	out := make([]Params, nModels)
	for i, k := range idx {
		out[i] = perms[k]
	}
	return out
}
