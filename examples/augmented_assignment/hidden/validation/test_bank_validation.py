from bank import Account

def test_two_withdrawals():
    account = Account(50)
    account.withdraw(10)
    assert account.withdraw(15) == 25
