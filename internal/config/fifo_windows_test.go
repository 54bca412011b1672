package config

import "errors"

// makeFIFO: Windows has no named pipes in the file system.
func makeFIFO(string) error { return errors.New("no named pipes in the file system on Windows") }
