"""Identity proofing with a passport or ID card: the document's chip, the chip's key, the face,
then a segl (seeds 000, 001 and 002; decision 32)."""
