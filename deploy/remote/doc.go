// Package remote runs plans on hosts.
//
// A [Plan] is an ordered list of [Step]s, each writing a file or running a [Command] on one host; launchers
// (package launch, package hostprep) build them for the usual layouts. [Plan.DryRun] prints one as
// deterministic text with secrets redacted; [Plan.Execute] runs it through a [Connector]: [LocalConnector]
// for local processes, or [NewSSHConnector] for SSH with SFTP file copy, verifying host keys with
// [KnownHosts] (accepting any key only when InsecureIgnoreHostKey is set explicitly). A failing step stops
// the plan with a [*PlanError] that names the host and the step and lists what already ran; connection
// failures match [ErrHostUnreachable], [ErrAuthFailed] or [ErrHostKeyRejected].
package remote
