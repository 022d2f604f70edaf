package launch

import (
	"github.com/rtdw/rtdw/deploy"
	"github.com/rtdw/rtdw/internal/problems"
)

// invalid starts the list of problems of what; the error it returns matches [deploy.ErrInvalidConfig].
func invalid(what string) *deploy.ConfigError {
	return problems.New("launch", what, deploy.ErrInvalidConfig)
}
