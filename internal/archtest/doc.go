// Package archtest holds no code: its test checks the import rules that
// every package of rt states in its doc comment (imports_test.go). It
// imports nothing of rt's.
package archtest
