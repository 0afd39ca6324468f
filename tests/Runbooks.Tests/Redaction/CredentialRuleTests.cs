using Runbooks.Redaction;

namespace Runbooks.Tests.Redaction;

public class CredentialRuleTests
{
    [Theory]
    [InlineData("PGPASSWORD=hunter2 psql -h db", "PGPASSWORD=[REDACTED:password-assignment] psql -h db")]
    [InlineData("PGPASSWORD='hun ter2' psql", "PGPASSWORD='[REDACTED:password-assignment]' psql")]
    [InlineData("export MYSQL_ROOT_PASSWORD=\"s3cr3t\"", "export MYSQL_ROOT_PASSWORD=\"[REDACTED:password-assignment]\"")]
    [InlineData("password=abc", "password=[REDACTED:password-assignment]")]
    [InlineData("PGPASSWORD=\"ab\\\"cd\" psql", "PGPASSWORD=\"[REDACTED:password-assignment]\" psql")]
    [InlineData("PGPASSWORD='cut off here\nnext", "PGPASSWORD='[REDACTED:password-assignment]\nnext")]
    [InlineData("db_password = abc", "db_password = [REDACTED:password-assignment]")]
    [InlineData("Host=db;Username=app;Password=abc;Database=x", "Host=db;Username=app;Password=[REDACTED:password-assignment];Database=x")]
    [InlineData("mount -t cifs -o username=svc,password=abc,uid=0 //nas/x /mnt", "mount -t cifs -o username=svc,password=[REDACTED:password-assignment],uid=0 //nas/x /mnt")]
    [InlineData("GET /login?user=bob&passwd=abc&next=/", "GET /login?user=bob&passwd=[REDACTED:password-assignment]&next=/")]
    [InlineData("-Djavax.net.ssl.keyStorePassword=changeit", "-Djavax.net.ssl.keyStorePassword=[REDACTED:password-assignment]")]
    public void Password_assignments_keep_the_name_and_lose_the_value(string text, string expected)
    {
        Assert.Equal(expected, Redactor.Default.Redact(text));
    }

    [Theory]
    [InlineData("mysql --password=abc -h db", "mysql --password=[REDACTED:password-option] -h db")]
    [InlineData("mysql --password abc -h db", "mysql --password [REDACTED:password-option] -h db")]
    [InlineData("tool --passwd 'a b'", "tool --passwd '[REDACTED:password-option]'")]
    [InlineData("ssh-keygen --passphrase abc", "ssh-keygen --passphrase [REDACTED:password-option]")]
    [InlineData("openssl pkcs12 -export -passout pass:abc -out x.p12", "openssl pkcs12 -export -passout pass:[REDACTED:password-option] -out x.p12")]
    [InlineData("flyctl deploy --access-token abc", "flyctl deploy --access-token [REDACTED:token-option]")]
    [InlineData("kubectl --token=abc get pods", "kubectl --token=[REDACTED:token-option] get pods")]
    public void Option_values_are_redacted(string text, string expected)
    {
        Assert.Equal(expected, Redactor.Default.Redact(text));
    }

    [Theory]
    [InlineData("psql --password -h db -U app")] // --password only asks for a prompt here
    [InlineData("if (password == expected) return;")]
    [InlineData("Permission denied (publickey,password).")]
    [InlineData("max_tokens=4096")]
    [InlineData("SecretName=wg-hub-keys")]
    [InlineData("https://prometheus.example.net:9090/api/v1/query")]
    [InlineData("ssh://git@example.net:2222/ops/runbooks.git")]
    public void Lookalikes_are_left_alone(string text)
    {
        Assert.Same(text, Redactor.Default.Redact(text));
    }

    [Theory]
    [InlineData("Authorization: Bearer eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl", "Authorization: Bearer [REDACTED:authorization-header]")]
    [InlineData("curl -H 'authorization: Basic dXNlcjpwYXNz' https://x", "curl -H 'authorization: Basic [REDACTED:authorization-header]' https://x")]
    [InlineData("{\"Authorization\": \"Bearer abc123\"}", "{\"Authorization\": \"Bearer [REDACTED:authorization-header]\"}")]
    [InlineData("Proxy-Authorization: abc123", "Proxy-Authorization: [REDACTED:authorization-header]")]
    public void Authorization_headers_keep_their_scheme(string text, string expected)
    {
        Assert.Equal(expected, Redactor.Default.Redact(text));
    }

    [Theory]
    [InlineData("postgres://app:s3cr3t@10.8.0.1:5432/inventory", "postgres://app:[REDACTED:url-credentials]@10.8.0.1:5432/inventory")]
    [InlineData("redis://:s3cr3t@cache:6379/0", "redis://:[REDACTED:url-credentials]@cache:6379/0")]
    public void Url_passwords_are_redacted_and_users_kept(string text, string expected)
    {
        Assert.Equal(expected, Redactor.Default.Redact(text));
    }

    [Fact]
    public void Fly_tokens_are_redacted_whole_wherever_they_appear()
    {
        const string macaroons = "fm2_lJPECAAAAAAAAMSRxBDmQ+Qa6W1ZsL1vKq2sY3cA,fm2_lJPETm9Ou8z0oN0c+lmX/4tZ7dsQ==";
        var text = $"""
            FLY_API_TOKEN=FlyV1 {macaroons}
            export FLY_API_TOKEN="FlyV1 {macaroons}"
            Authorization: FlyV1 {macaroons}
            fo1_Q2xpZW50VG9rZW5Gb3JUZXN0
            """;

        var report = Redactor.Default.RedactWithReport(text);

        Assert.DoesNotContain("fm2_", report.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("fo1_", report.Text, StringComparison.Ordinal);
        Assert.StartsWith("FLY_API_TOKEN=FlyV1 [REDACTED:fly-token]\n", report.Text, StringComparison.Ordinal);
        Assert.Contains("export FLY_API_TOKEN=\"[REDACTED:token-assignment]\"", report.Text, StringComparison.Ordinal);
        // Two rules find the same characters here; the more specific, earlier rule names the marker.
        Assert.Contains("Authorization: FlyV1 [REDACTED:fly-token]", report.Text, StringComparison.Ordinal);
        Assert.Equal(3, report.CountFor("fly-token"));
        Assert.Equal(4, report.TotalCount);
    }

    [Theory]
    [InlineData("FLY_API_TOKEN=abc123", "FLY_API_TOKEN=[REDACTED:token-assignment]")]
    [InlineData("GITHUB_TOKEN=ghp_abc", "GITHUB_TOKEN=[REDACTED:token-assignment]")]
    [InlineData("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG", "AWS_SECRET_ACCESS_KEY=[REDACTED:token-assignment]")]
    [InlineData("client_secret=abc&grant_type=client_credentials", "client_secret=[REDACTED:token-assignment]&grant_type=client_credentials")]
    [InlineData("STRIPE_API_KEY = 'sk_live_abc'", "STRIPE_API_KEY = '[REDACTED:token-assignment]'")]
    public void Token_assignments_keep_the_name_and_lose_the_value(string text, string expected)
    {
        Assert.Equal(expected, Redactor.Default.Redact(text));
    }
}
