"""The status page's one-time codes and the short sessions they open. No account: a receipt and a phone."""

from django.db import models

from cases import clock


class StatusChallenge(models.Model):
    """One request for a code. Written for every request, whether or not the receipt and phone match (then
    ``code_hash`` is empty and nothing is sent), so limits and lockouts count the same either way."""

    receipt = models.CharField(max_length=40)
    phone = models.CharField(max_length=16)
    address = models.GenericIPAddressField(null=True, blank=True)
    applicant = models.ForeignKey("cases.Applicant", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    code_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    failures = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["receipt", "created_at"], name="challenge_receipt"),
            models.Index(fields=["phone", "created_at"], name="challenge_phone"),
            models.Index(fields=["address", "created_at"], name="challenge_address"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt} {self.created_at:%Y-%m-%d %H:%M}"


class StatusSession(models.Model):
    """A person's 15 minutes on the status page. Only the SHA-256 of the token is kept."""

    token_hash = models.CharField(max_length=64, unique=True)
    applicant = models.ForeignKey("cases.Applicant", on_delete=models.CASCADE, related_name="+")
    receipt = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.receipt} until {self.expires_at:%H:%M}"
