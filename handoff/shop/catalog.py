"""The shop's product catalogue and current promotions, loaded from a YAML file an admin can edit.

The bot answers pre-sales questions (size, colour, stock, specs,
compatibility, price, promotions) from it through ``GET /api/shop/catalog``;
what it does not say, the bot does not guess.
"""

from pathlib import Path

import yaml
from pydantic import BaseModel, Field, field_validator, model_validator


class SizeRow(BaseModel):
    """One row of a size chart: the size for a height (cm) and weight (kg) range."""

    size: str
    height: tuple[int, int]
    weight: tuple[int, int]


class Product(BaseModel):
    sku: str
    name: str
    aliases: list[str] = []
    category: str
    price: float = Field(gt=0)
    # The product's photo (a URL the shop serves); without one, cards show a drawn placeholder.
    image: str | None = None
    specs: dict[str, str] = {}
    # Every colour/size/model combination on sale: option name -> value, and its stock.
    variants: list[dict[str, str | int]] = []
    size_chart: list[SizeRow] = []
    works_with: list[str] = []
    not_works_with: list[str] = []
    compatibility_note: str | None = None
    # A key of policy.yml returns.excluded_categories, or None.
    return_exclusion: str | None = None

    @field_validator("variants")
    @classmethod
    def _stock_is_a_count(cls, variants: list[dict]) -> list[dict]:
        for variant in variants:
            stock = variant.get("stock")
            if not isinstance(stock, int) or stock < 0:
                raise ValueError(f"variant {variant}: stock must be a whole number ≥ 0")
        return variants


class Promotion(BaseModel):
    name: str
    kind: str  # threshold (满减), product_price (特价), coupon
    text: str
    products: list[str] = []  # SKUs; empty: the whole shop
    price: float | None = None  # the promotional price of a product_price promotion


class PriceProtection(BaseModel):
    days: int
    text: str


class AllProducts(BaseModel):
    """Facts that hold for every product."""

    authenticity: str
    restock: str


class Catalog(BaseModel):
    products: list[Product]
    all_products: AllProducts
    promotions: list[Promotion] = []
    price_protection: PriceProtection

    @model_validator(mode="after")
    def _skus_are_unique_and_known(self) -> "Catalog":
        skus = [p.sku for p in self.products]
        if len(skus) != len(set(skus)):
            raise ValueError("product SKUs must be unique")
        for promotion in self.promotions:
            unknown = set(promotion.products) - set(skus)
            if unknown:
                raise ValueError(f"promotion {promotion.name}: unknown SKUs {sorted(unknown)}")
        return self


def load_catalog(path: Path) -> Catalog:
    with open(path, encoding="utf-8") as f:
        return Catalog.model_validate(yaml.safe_load(f))
