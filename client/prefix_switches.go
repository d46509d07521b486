package client

// SetDataSource makes src, which must be one of the SSKEYIN prefixes, the prefix reads use.
func (c *Client) SetDataSource(src string) error { return c.prefixes.setSource(src) }

// UseTensorEnsemblePrefix turns the prefixing of tensor keys on or off (on by default).
func (c *Client) UseTensorEnsemblePrefix(on bool) { c.prefixes.set(kindTensor, on) }

// UseDatasetEnsemblePrefix turns the prefixing of dataset keys on or off (on by default).
func (c *Client) UseDatasetEnsemblePrefix(on bool) { c.prefixes.set(kindDataset, on) }

// UseListEnsemblePrefix turns the prefixing of aggregation-list keys on or off (on by default).
func (c *Client) UseListEnsemblePrefix(on bool) { c.prefixes.set(kindList, on) }

// UseModelEnsemblePrefix turns the prefixing of model and script keys on or off (off by default).
func (c *Client) UseModelEnsemblePrefix(on bool) { c.prefixes.set(kindModel, on) }
