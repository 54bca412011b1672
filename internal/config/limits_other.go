//go:build !unix

package config

func readRegular(path string, max int64, what string) ([]byte, error) {
	return readPortable(path, max, what)
}
