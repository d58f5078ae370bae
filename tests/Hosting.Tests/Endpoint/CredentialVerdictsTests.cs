using Sidecars.Hosting;

namespace Sidecars.Tests.Hosting.Endpoint;

public sealed class CredentialVerdictsTests
{
    [Fact]
    public void A_verdict_is_found_again_by_its_key_and_an_unknown_key_has_none()
    {
        var verdicts = new CredentialVerdicts();

        verdicts.Remember(1, passed: true);
        verdicts.Remember(2, passed: false);

        Assert.True(verdicts.Lookup(1));
        Assert.False(verdicts.Lookup(2));
        Assert.Null(verdicts.Lookup(3));
    }

    [Fact]
    public void A_million_distinct_failed_headers_keep_a_fixed_number_of_verdicts_and_never_push_out_a_passed_one()
    {
        var verdicts = new CredentialVerdicts();
        verdicts.Remember(UInt128.MaxValue, passed: true);
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        // Keys as the keyed hash makes them: spread evenly over the sets
        var random = new Random(18);
        for (int i = 0; i < 1_000_000; i++)
        {
            verdicts.Remember(new UInt128((ulong)random.NextInt64(), (ulong)random.NextInt64()), passed: false);
        }

        Assert.Equal((1, CredentialVerdicts.FailedCapacity), verdicts.Count);
        Assert.True(verdicts.Lookup(UInt128.MaxValue));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore < 1024, "remembering allocated");
    }

    [Fact]
    public void In_a_full_set_the_least_recently_used_failed_verdict_gives_way()
    {
        var verdicts = new CredentialVerdicts();
        // Keys 256 apart fall in one set of four.
        UInt128[] keys = [5, 5 + 256, 5 + 512, 5 + 768, 5 + 1024];
        foreach (var key in keys[..4])
        {
            verdicts.Remember(key, passed: false);
        }

        Assert.False(verdicts.Lookup(keys[0]));
        verdicts.Remember(keys[4], passed: false);

        Assert.False(verdicts.Lookup(keys[0]));
        Assert.Null(verdicts.Lookup(keys[1]));
        Assert.False(verdicts.Lookup(keys[2]));
        Assert.False(verdicts.Lookup(keys[4]));
    }

    [Fact]
    public void Passed_verdicts_beyond_their_table_push_out_the_least_recently_used_passed_one()
    {
        var verdicts = new CredentialVerdicts();
        for (int i = 1; i <= CredentialVerdicts.PassedCapacity; i++)
        {
            verdicts.Remember((UInt128)i, passed: true);
        }
        Assert.True(verdicts.Lookup(1));

        verdicts.Remember(1000, passed: true);

        Assert.True(verdicts.Lookup(1));
        Assert.Null(verdicts.Lookup(2));
        Assert.Equal((CredentialVerdicts.PassedCapacity, 0), verdicts.Count);
    }
}
