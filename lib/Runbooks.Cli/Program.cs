using Runbooks.Cli;

return await RunbookCli.InvokeAsync(args).ConfigureAwait(false);
