package problems

import (
	"errors"
	"strings"
	"testing"
)

func TestErrIsNilWithoutProblems(t *testing.T) {
	t.Parallel()
	if err := New("x", "y", nil).Err(); err != nil {
		t.Fatalf("Err = %v", err)
	}
	var none *Error
	if none.Err() != nil {
		t.Fatal("nil Error's Err is not nil")
	}
}

func TestOneProblemReadsOnOneLine(t *testing.T) {
	t.Parallel()
	ps := New("deploy", "YARN kill", nil)
	ps.Add("applicationID", "x", "give an id like application_1700000000000_0001")
	want := `deploy: invalid YARN kill: applicationID = "x": give an id like application_1700000000000_0001`
	if got := ps.Err().Error(); got != want {
		t.Fatalf("Error = %s\nwant    %s", got, want)
	}
}

func TestKindIsMatchedAndOthersAreNot(t *testing.T) {
	t.Parallel()
	mine, theirs := errors.New("mine"), errors.New("theirs")
	ps := New("p", "config", mine)
	ps.Add("F", 1, "fix")
	err := ps.Err()
	if !errors.Is(err, mine) || errors.Is(err, theirs) {
		t.Fatalf("Is: mine %v, theirs %v", errors.Is(err, mine), errors.Is(err, theirs))
	}
	var e *Error
	if !errors.As(err, &e) || len(e.Problems) != 1 {
		t.Fatalf("As: %v", err)
	}
}

func TestSecretValuesAreNeverRecorded(t *testing.T) {
	t.Parallel()
	ps := New("p", "config", nil)
	ps.Add("security.ssl.keystore-password", "hunter2", "fix")
	ps.Add("Password", "hunter2", "fix")
	ps.Add("Password", "", "set one")
	err := ps.Err()
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("secret printed: %v", err)
	}
	for _, p := range ps.Problems {
		if p.Value == "hunter2" {
			t.Fatalf("secret recorded: %+v", p)
		}
	}
	if ps.Problems[2].Value != "" {
		t.Fatalf("an empty secret is not a secret: %+v", ps.Problems[2])
	}
}
