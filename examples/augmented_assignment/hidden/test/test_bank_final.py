from bank import Account

def test_deposit_then_withdraw():
    account = Account()
    account.deposit(40)
    assert account.withdraw(40) == 0
