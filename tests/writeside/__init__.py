"""Write-side tests: actions, attachments, retries, passthrough and the CLI against the OTYS sandbox."""
