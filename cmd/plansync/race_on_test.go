//go:build race

package main

// raceDetector is on: the processes the tests start are the race-built
// test binary, several times slower.
const raceDetector = true
