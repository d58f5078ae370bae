using System.Buffers;
using Sidecars.Hosting;

namespace Sidecars.Tests.Hosting.Endpoint;

public sealed class ClientHelloRecordTests
{
    [Theory]
    [InlineData(new byte[0], false)]
    [InlineData(new byte[] { 0x16, 0x03, 0x01 }, false)] // part of the header
    [InlineData(new byte[] { 0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x3f, 0xfc, 0x03, 0x03 }, false)] // 16 KiB announced, 6 bytes sent
    [InlineData(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x02, 0x01 }, false)] // one byte short
    [InlineData(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00 }, true)] // whole
    [InlineData(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00, 0x16 }, true)] // whole, and more
    [InlineData(new byte[] { (byte)'G', (byte)'E', (byte)'T' }, true)] // not TLS: SslStream turns it down at once
    public void The_handshake_goes_on_once_the_first_record_is_whole_or_is_not_a_handshake_record(byte[] received, bool arrived) =>
        Assert.Equal(arrived, ClientHelloRecord.HasArrived(new ReadOnlySequence<byte>(received)));

    [Fact]
    public void A_record_header_split_across_segments_is_read_whole()
    {
        var first = new Segment(new byte[] { 0x16, 0x03 }, 0);
        var last = first.Append(new byte[] { 0x01, 0x00, 0x01, 0x01 });

        Assert.True(ClientHelloRecord.HasArrived(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length)));
    }

    [Fact]
    public void Enough_bytes_go_on_even_when_the_record_announced_is_longer()
    {
        var received = new byte[ClientHelloRecord.EnoughBytes];
        received[0] = 0x16;
        received[3] = 0x40; // 16 KiB announced: more than the transport buffers unread

        Assert.True(ClientHelloRecord.HasArrived(new ReadOnlySequence<byte>(received)));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
