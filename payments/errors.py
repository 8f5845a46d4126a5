"""What payments refuses, with a message for the payer (the view shows it)."""


class PaymentError(Exception):
    """A payment action that cannot be done; ``str(error)`` says why."""


class NothingToPay(PaymentError):
    pass


class PaymentExpired(PaymentError):
    pass


class GatewayUnavailable(PaymentError):
    pass
